// Package clients holds the harness's reference clients for the Alexa
// Credential Locker API (Thread networks), the SMAPI Skill Credentials API and
// Login with Amazon (LWA), and the retrying HTTP transport they share.
//
// The pieces, from the bottom up:
//
//   - RetryPolicy decides, after each attempt, whether to retry and how long
//     to wait. Standard is the compliant policy: it retries 429, 500, 503 and
//     transport errors, never 400, 403, 404 or 409, backs off exponentially
//     with full jitter (sleep = U(0, min(cap, base·2^(n-1)))), treats a
//     Retry-After answer (delay-seconds or HTTP-date, RFC 9110 §10.2.3) as a
//     floor, and gives up after MaxAttempts or MaxElapsed. NoRetry, Immediate,
//     IgnoreRetryAfter and RetryNonRetryable are deliberately non-compliant
//     policies for testing the back-off graders; PolicyByName picks one by the
//     name a load profile uses. PolicyParams.Budget adds an AWS-style retry
//     quota (RetryBudget) shared by every call through the policy.
//   - Transport is an http.RoundTripper that applies a RetryPolicy over a base
//     RoundTripper, injects the bearer token from a TokenProvider (unless the
//     request already carries Authorization), re-authenticates once after a
//     401, and reports every attempt to an Observer. All waits go through an
//     injectable Clock, so tests never sleep on the wall clock. Each attempt,
//     reading the answer included, is bounded by WithAttemptTimeout
//     (Config.AttemptTimeout, default 30 s).
//   - LWA is a TokenProvider for the refresh-token grant: it caches the access
//     token, refreshes it shortly before it expires, makes one token request
//     however many goroutines ask at once (single flight), and drops a token
//     the services rejected (Invalidate) so the next request re-authenticates.
//   - Locker and SMAPI are typed clients built on an *http.Client whose
//     Transport is a *Transport. Failures are *APIError values that match the
//     sentinels ErrThrottled, ErrUnauthorized, ErrForbidden, ErrNotFound,
//     ErrConflict, ErrInvalid and ErrUnavailable with errors.Is.
//   - Config (FromEnv) gathers the base URLs, LWA client, refresh tokens and
//     policy from the HARNESS_* environment variables (contract.Env*), shared
//     by the harness client command, the conformance suite and the load
//     generator.
//
// Secrets (network keys, PSKc, client secrets, access and refresh tokens) are
// held as redact.Secret, which redacts itself in fmt, log/slog and JSON. The
// clear values go on the wire only through the explicit wire types
// (ThreadNetworkWire, SkillCredentialsWire, TokenWire) built by Reveal.
// Servers' error text (messages, violations, error_description, bodies) is
// scrubbed with redact.Scrub of every secret the call used and of anything
// that looks like an LWA token before it goes into an *APIError or a
// *TransportError.
//
// # Load generation
//
// The load generator hands a *Transport to vegeta as its http.Client
// transport:
//
//	tr := clients.NewTransport(base,
//		clients.WithPolicy(policy),          // e.g. PolicyByName("immediate", p)
//		clients.WithTokenProvider(tokens),   // or set Authorization per target
//		clients.WithObserver(recorder))      // every attempt, for compliance
//	attacker := vegeta.NewAttacker(vegeta.Client(&http.Client{Transport: tr}))
//
// One vegeta hit is then one logical call: retries happen inside RoundTrip on
// the caller's goroutine (no goroutine is started per request), and vegeta
// measures the whole call while the Observer sees each attempt. A Transport is
// safe for concurrent use; share one base transport (connection pool) between
// Transports that differ only in token or policy.
package clients
