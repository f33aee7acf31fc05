package compliance

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// This file is a small traffic simulator: it plays a client with a given
// retry behaviour against a scripted server and records both views of every
// attempt (the client's: sent/received; the server's: arrived/answered, one
// network hop later/earlier), with deterministic seeds.

var t0 = time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)

type behaviour string

const (
	bCompliant   behaviour = "compliant"          // full jitter, Retry-After as a floor, 5 attempts
	bEqual       behaviour = "equal-jitter"       // equal jitter, Retry-After as a floor, 5 attempts
	bImmediate   behaviour = "immediate"          // retries at once, ignores Retry-After
	bIgnoreRA    behaviour = "ignore-retry-after" // full jitter, ignores Retry-After
	bRetry403    behaviour = "retry-403"          // compliant, but re-sends a 403 after 1 s (twice)
	bNever       behaviour = "never-retries"      // one attempt, whatever the answer
	bGivesUpLate behaviour = "gives-up-late"      // compliant, then re-sends 10 s after its 5th failure
	bTooMany     behaviour = "too-many-attempts"  // compliant back-off, 8 attempts
	bBudget      behaviour = "retry-budget"       // compliant with a token-bucket retry budget
)

// answer is one scripted server answer.
type answer struct {
	status int
	ra     time.Duration
}

// script is the server's answers to one call, by attempt number (1-based);
// past the end, the last answer repeats.
type script []answer

func (s script) at(n int) answer { return s[min(n, len(s))-1] }

const (
	net     = time.Millisecond // one-way network delay
	service = 2 * time.Millisecond
)

// sim plays clients against scripts.
type sim struct {
	rng            *rand.Rand
	opts           Options // the policy's base, cap and max attempts
	client, server []Event
	tokens         float64 // retry budget (bBudget)
}

func newSim(seed uint64) *sim {
	return &sim{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), opts: Options{}.WithDefaults(), tokens: 10}
}

// delay returns how long behaviour b waits before retry k after answer a,
// and whether it retries at all.
func (s *sim) delay(b behaviour, k int, a answer) (time.Duration, bool) {
	maxAttempts := s.opts.MaxAttempts
	if b == bTooMany {
		maxAttempts = 8
	}
	if k >= maxAttempts || b == bNever {
		return 0, false
	}
	if !retryable(a.status) {
		if b == bRetry403 && a.status == 403 && k <= 2 {
			return time.Second, true
		}
		return 0, false
	}
	m := s.opts.Ceiling(k)
	full := time.Duration(s.rng.Float64() * float64(m))
	switch b {
	case bImmediate:
		return 0, true
	case bIgnoreRA:
		return full, true
	case bEqual:
		return max(a.ra, m/2+time.Duration(s.rng.Float64()*float64(m/2))), true
	case bBudget:
		if s.tokens < 1 {
			return 0, false
		}
		s.tokens--
	}
	return max(a.ra, full), true
}

// call plays one logical call starting at start; it returns when the call
// ended (the last answer received).
func (s *sim) call(b behaviour, client, key string, start time.Time, sc script) time.Time {
	sent := start
	for n := 1; ; n++ {
		a := sc.at(n)
		arrived := sent.Add(net)
		answered := arrived.Add(service)
		received := answered.Add(net)
		s.client = append(s.client, Event{Client: client, Operation: "getThreadNetworks", Key: key,
			Arrived: sent, Answered: received, Status: a.status, RetryAfter: a.ra})
		s.server = append(s.server, Event{Client: client, Operation: "getThreadNetworks", Key: key,
			Arrived: arrived, Answered: answered, Status: a.status, RetryAfter: a.ra})
		if success(a.status) && b == bBudget {
			s.tokens = min(10, s.tokens+0.1)
		}
		d, again := s.delay(b, n, a)
		if !again {
			if b == bGivesUpLate && n == s.opts.MaxAttempts && retryable(a.status) {
				// One more, 10 s later: too soon, and one too many.
				b = bNever
				sent = received.Add(10 * time.Second)
				continue
			}
			return received
		}
		sent = received.Add(d)
	}
}

// mixedScript picks a call's server behaviour.
func (s *sim) mixedScript() script {
	switch x := s.rng.IntN(100); {
	case x < 40: // transient 503s, no Retry-After
		sc := script{}
		for range 1 + s.rng.IntN(3) {
			sc = append(sc, answer{status: 503})
		}
		return append(sc, answer{status: 200})
	case x < 60: // throttled with Retry-After: 2 s
		return script{{429, 2 * time.Second}, {200, 0}}
	case x < 70: // persistent failure
		return script{{503, 0}}
	case x < 80:
		return script{{403, 0}}
	case x < 85: // transport errors
		return script{{0, 0}, {200, 0}}
	}
	return script{{200, 0}}
}

// generate plays calls sequential calls per client with mixed scripts and
// returns the client and server views.
func generate(b behaviour, seed uint64, clients, calls int) (clientView, serverView []Event) {
	s := newSim(seed)
	for c := range clients {
		id := fmt.Sprintf("client-%02d", c)
		at := t0.Add(time.Duration(c) * time.Millisecond)
		for k := range calls {
			end := s.call(b, id, fmt.Sprintf("%s/%d", id, k), at, s.mixedScript())
			at = end.Add(100 * time.Millisecond)
		}
	}
	return s.client, s.server
}

// storm plays one client under sustained throttling: a new call every
// interval for d, every answer 429 without Retry-After.
func storm(b behaviour, seed uint64, d, interval time.Duration) (clientView, serverView []Event) {
	s := newSim(seed)
	for i := 0; time.Duration(i)*interval < d; i++ {
		s.call(b, "stormy", fmt.Sprintf("k%d", i), t0.Add(time.Duration(i)*interval), script{{429, 0}})
	}
	return s.client, s.server
}
