package certify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/redact"
)

// The adapter environment's access tokens (docs/certify.md). The
// other variables an adapter reads are contract.Env*.
// TODO(owner of internal/contract): move these two next to the other Env*
// names.
const (
	EnvCustomerAccessToken = "HARNESS_CUSTOMER_ACCESS_TOKEN"
	EnvVendorAccessToken   = "HARNESS_VENDOR_ACCESS_TOKEN"
)

// AdapterEnvNames returns every variable an adapter reads, the only
// HARNESS_* variables certification passes to it.
func AdapterEnvNames() []string {
	return []string{
		contract.EnvLockerURL, contract.EnvSMAPIURL, contract.EnvLWAURL,
		contract.EnvLWAClientID, contract.EnvLWAClientSecret,
		EnvCustomerAccessToken, contract.EnvCustomerRefreshToken,
		EnvVendorAccessToken, contract.EnvVendorRefreshToken,
	}
}

// Exit statuses of RunReferenceAdapter.
const (
	AdapterOK     = 0 // the operation succeeded
	AdapterFailed = 1 // an error answer, or the client gave up after its retries
	AdapterUsage  = 2 // unknown operation, bad stdin, missing configuration
)

// maxAdapterInput bounds the JSON read from stdin.
const maxAdapterInput = 1 << 20

// AdapterOption configures RunReferenceAdapter.
type AdapterOption func(*clients.Config)

// WithAdapterClock makes the reference adapter wait on c (tests inject a
// virtual clock; a program leaves the default, the wall clock).
func WithAdapterClock(c clients.Clock) AdapterOption {
	return func(cfg *clients.Config) { cfg.Clock = c }
}

// WithAdapterPolicy makes the reference adapter retry by p instead of the
// Standard policy (tests use a small base so that certifying it is quick).
func WithAdapterPolicy(p clients.RetryPolicy) AdapterOption {
	return func(cfg *clients.Config) { cfg.Policy = p }
}

// RunReferenceAdapter is the adapter over the harness's own client
// (internal/clients): it performs op (OpCreateNetwork, OpGetNetworks,
// OpSkillCredentials) with the input read from stdin, writes the answer to
// stdout, an attempt log and any error to stderr, and returns the exit
// status, exactly as docs/certify.md says. It reads only the
// variables of AdapterEnvNames through getenv, and uses the Standard retry
// policy; an access token given is used until the service rejects it (401),
// then one is fetched with the refresh token and the call retried once.
func RunReferenceAdapter(ctx context.Context, op string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, opts ...AdapterOption) int {
	fail := func(code int, format string, args ...any) int {
		fmt.Fprintf(stderr, "adapter: "+format+"\n", args...)
		return code
	}
	if !slices.Contains(Operations(), op) { // before stdin: the first mistake is the operation
		return fail(AdapterUsage, "unknown operation %q: use one of %s", op, strings.Join(Operations(), ", "))
	}
	if getenv == nil {
		return fail(AdapterUsage, "no environment given")
	}
	in, err := io.ReadAll(io.LimitReader(stdin, maxAdapterInput+1))
	if err != nil {
		return fail(AdapterUsage, "read stdin: %v", err)
	}
	if len(in) > maxAdapterInput {
		return fail(AdapterUsage, "stdin: more than %d bytes: send one JSON object", maxAdapterInput)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(in, &obj); err != nil || obj == nil {
		return fail(AdapterUsage, "stdin: one JSON object expected: %v", errOr(err, "null"))
	}

	cfg := clients.Config{ // only the adapter's variables, never HARNESS_ACCESS_TOKEN
		LockerURL: getenv(contract.EnvLockerURL), SMAPIURL: getenv(contract.EnvSMAPIURL), LWAURL: getenv(contract.EnvLWAURL),
		ClientID: getenv(contract.EnvLWAClientID), ClientSecret: redact.Secret(getenv(contract.EnvLWAClientSecret)),
		CustomerRefreshToken: redact.Secret(getenv(contract.EnvCustomerRefreshToken)),
		VendorRefreshToken:   redact.Secret(getenv(contract.EnvVendorRefreshToken)),
		Policy:               clients.Standard(clients.PolicyParams{}),
	}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.Observer = clients.ObserverFunc(func(a clients.Attempt) { fmt.Fprintln(stderr, attemptLine(a)) })
	if err := cfg.Validate(); err != nil {
		return fail(AdapterUsage, "%v", err)
	}

	var out any
	switch op {
	case OpCreateNetwork, OpGetNetworks:
		tokens, err := seeded(cfg, getenv(EnvCustomerAccessToken), cfg.CustomerRefreshToken, EnvCustomerAccessToken, contract.EnvCustomerRefreshToken)
		if err != nil {
			return fail(AdapterUsage, "%v", err)
		}
		locker, err := cfg.LockerWith(tokens)
		if err != nil {
			return fail(AdapterUsage, "%v", err)
		}
		if op == OpCreateNetwork {
			err = locker.CreateThreadNetworkRaw(ctx, in)
			out = struct{}{}
		} else {
			var q struct {
				ExtendedPanID string `json:"extendedPanId"`
				NetworkName   string `json:"networkName"`
				MaxResults    int    `json:"maxResults"`
			}
			if uerr := json.Unmarshal(in, &q); uerr != nil {
				return fail(AdapterUsage, "stdin: %v: give {\"extendedPanId\": \"...\", \"networkName\": \"...\"?, \"maxResults\": n?}", uerr)
			}
			var all []clients.ThreadNetwork
			all, err = locker.All(ctx, clients.NetworkQuery{ExtendedPanID: q.ExtendedPanID, NetworkName: q.NetworkName, MaxResults: q.MaxResults})
			wire := make([]clients.ThreadNetworkWire, len(all))
			for i, n := range all {
				wire[i] = n.Reveal()
			}
			out = map[string]any{"threadNetworks": wire}
		}
		if err != nil {
			return fail(AdapterFailed, "%s: %v", op, err)
		}
	case OpSkillCredentials:
		var q struct {
			SkillID string `json:"skillId"`
		}
		if err := json.Unmarshal(in, &q); err != nil {
			return fail(AdapterUsage, "stdin: %v: give {\"skillId\": \"...\"}", err)
		}
		tokens, err := seeded(cfg, getenv(EnvVendorAccessToken), cfg.VendorRefreshToken, EnvVendorAccessToken, contract.EnvVendorRefreshToken)
		if err != nil {
			return fail(AdapterUsage, "%v", err)
		}
		smapi, err := cfg.SMAPIWith(tokens)
		if err != nil {
			return fail(AdapterUsage, "%v", err)
		}
		creds, err := smapi.GetSkillCredentials(ctx, q.SkillID)
		if err != nil {
			return fail(AdapterFailed, "%s: %v", op, err)
		}
		out = map[string]any{"skillMessagingCredentials": creds.Reveal()}
	default:
		return fail(AdapterUsage, "unknown operation %q: use one of %s", op, strings.Join(Operations(), ", "))
	}
	if err := json.NewEncoder(stdout).Encode(out); err != nil {
		return fail(AdapterFailed, "write stdout: %v", err)
	}
	return AdapterOK
}

func errOr(err error, s string) string {
	if err != nil {
		return err.Error()
	}
	return s
}

// attemptLine is one line of the attempt log on stderr (no secrets: the
// client id is a hash, transport errors are scrubbed by the Transport).
func attemptLine(a clients.Attempt) string {
	var b strings.Builder
	fmt.Fprintf(&b, "attempt %d %s: ", a.Number, a.Operation)
	if a.Status == 0 {
		fmt.Fprintf(&b, "no answer (%s)", a.Err)
	} else {
		fmt.Fprintf(&b, "%d", a.Status)
	}
	if a.RetryAfter > 0 {
		fmt.Fprintf(&b, ", Retry-After %s", a.RetryAfter)
	}
	switch {
	case a.Reauth:
		b.WriteString(", refreshing the access token")
	case a.Retry:
		fmt.Fprintf(&b, ", retry in %s", a.Delay)
	}
	return b.String()
}

// seeded returns the token provider of one identity: the access token given
// until the service rejects it, then LWA with the refresh token.
func seeded(cfg clients.Config, access string, refresh redact.Secret, accessEnv, refreshEnv string) (clients.TokenProvider, error) {
	s := &seededTokens{given: access}
	if refresh != "" {
		lwa, err := cfg.LWA(refresh)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", refreshEnv, err)
		}
		s.lwa = lwa
	} else if access == "" {
		return nil, fmt.Errorf("no credentials: set %s, or %s with %s and %s", accessEnv, refreshEnv, contract.EnvLWAClientID, contract.EnvLWAClientSecret)
	}
	return s, nil
}

// seededTokens is a clients.TokenProvider that starts from a given access
// token and falls back on LWA once that token is rejected.
type seededTokens struct {
	lwa *clients.LWA // nil: no refresh token, a 401 is final

	mu    sync.Mutex
	given string // "" once rejected
}

func (s *seededTokens) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	g := s.given
	s.mu.Unlock()
	if g != "" {
		return g, nil
	}
	if s.lwa == nil {
		return "", errors.New("the access token given was rejected and no refresh token is configured")
	}
	return s.lwa.Token(ctx)
}

func (s *seededTokens) Invalidate(ctx context.Context, stale string) {
	s.mu.Lock()
	if s.given != "" && stale == s.given {
		if s.lwa != nil { // without a refresh token, keep it: the 401 is final
			s.given = ""
		}
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	if s.lwa != nil {
		s.lwa.Invalidate(ctx, stale)
	}
}
