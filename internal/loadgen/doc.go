// Package loadgen is the harness's load generator: it reads a load profile
// (YAML), drives the Credential Locker, SMAPI skill credentials and Login with
// Amazon operations with vegeta's Attacker at the profile's pace, and grades
// the run against the profile's thresholds, including back-off compliance
// under 429/500/503.
//
// The model follows vegeta's library: a Targeter (weighted, seeded operation
// mix over N simulated clients), a Pacer (constant, linear ramp, step, sine),
// an Attacker configured with functional options, and results streamed over
// a channel and encoded as they arrive.
//
// What this package adds to vegeta:
//
//   - Honest latency (open model, no coordinated omission). Every hit's
//     latency is counted from the time the pacer's schedule says it should
//     have been sent (its intended time), not from when a worker got round to
//     sending it: latency = response end − intended send time. The intended
//     time of hit n is the analytic inverse of the pacer's cumulative-hits
//     function, H(t) = n+1, clamped so it is never later than the actual send.
//     Percentiles come from HDR histograms (constant memory in run length).
//   - One vegeta hit is one logical call, including its retries: the HTTP
//     client vegeta uses is a dispatcher that routes each hit to its simulated
//     client's own retrying clients.Transport (own token, own retry policy),
//     and every attempt is reported to an Observer that streams it to
//     attempts.jsonl and feeds the back-off compliance checker.
//   - Every planned hit is accounted for (Accounting): planned = sent + not
//     sent, each unsent hit with its reason (behind schedule, in-flight
//     cap, stopped, the client's quiet period, coalesced). Rates, ratios
//     and latency count only requests that reached the target, and a run
//     that left more than thresholds.maxNotSent of its hits unsent on the
//     generator's account fails.
//   - The generator knows its own limits (GeneratorHealth): schedule lag,
//     process and machine CPU, the file-descriptor limit (raised to the hard
//     limit at start), and a cap on hits in flight (generator.maxInFlight,
//     which also bounds memory); a saturated generator is marked in every
//     output, and a step ramp never grades a step on its account (Knee).
//   - Each simulated client behaves as a compliant application: a request
//     the client gave up on (or was refused) is not sent again within its
//     quiet period, and, with clients.coalesce, a hit identical to a call
//     of the same client in flight is not sent, so that the back-off rules,
//     which chain identical requests, grade the retry policy rather than
//     the open-model generator (see gate).
//   - get-all-pages is one hit that walks every page (nextToken) of a query;
//     its latency is the whole walk, and each page is its own attempt chain.
//   - Nothing lost: results.bin (vegeta's gob encoding, every hit sent),
//     attempts.jsonl, timeseries.jsonl (one interval a second, per
//     operation and for all) and the profile are written as the run goes, so an
//     interrupted run can be re-rendered with Replay; summary.json is
//     written at the end, even after Ctrl-C.
//
// A profile is checked once, before anything starts (ParseProfile,
// Profile.Validate, Options.Effective), every problem as a *ProfileError
// naming its field path and line: the mock's faults and rate limit by their
// owner (mockcontrol), retry policy names by clients, and every number a
// profile or --rate/--duration gives is finite and bounded (see the max*
// constants of profile.go). Defaults are filled in by WithDefaults, on a
// copy: Validate never modifies its input.
//
// The hit's operation and simulated client travel in the target URL's
// fragment (for example "#op=get-all-pages&c=3"), which net/http never sends,
// so every saved result says what it was even when it failed in transport.
package loadgen
