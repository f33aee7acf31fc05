package compliance

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// want is a rule's expected status and, for failures and warnings, a piece
// of the first violation's figure.
type want struct {
	status Status
	figure string
}

func TestCheckBehaviours(t *testing.T) {
	tests := []struct {
		b    behaviour
		opts Options
		want map[string]want
	}{
		{bCompliant, Options{}, map[string]want{
			"C1": {StatusPass, ""}, "C2": {StatusPass, ""}, "C3": {StatusPass, ""}, "C4": {StatusPass, ""},
			"C5": {StatusNotApplicable, ""}, "C6": {StatusPass, ""}, "C7": {StatusPass, ""},
		}},
		{bEqual, Options{Jitter: JitterEqual}, map[string]want{
			"C1": {StatusPass, ""}, "C2": {StatusPass, ""}, "C3": {StatusPass, ""}, "C4": {StatusPass, ""},
			"C6": {StatusPass, ""}, "C7": {StatusPass, ""},
		}},
		{bImmediate, Options{}, map[string]want{
			"C1": {StatusFail, "< Retry-After 2s − 50ms"}, "C2": {StatusPass, ""}, "C3": {StatusPass, ""},
			"C4": {StatusFail, "retries too soon for full jitter"}, "C6": {StatusPass, ""},
		}},
		{bImmediate, Options{Jitter: JitterEqual}, map[string]want{
			"C4": {StatusFail, "< M_1/2 − ε = 500ms/2 − 50ms"},
		}},
		{bIgnoreRA, Options{}, map[string]want{
			"C1": {StatusFail, "< Retry-After 2s − 50ms"}, "C4": {StatusPass, ""}, "C3": {StatusPass, ""},
		}},
		{bRetry403, Options{}, map[string]want{
			"C1": {StatusPass, ""}, "C2": {StatusFail, "403 re-sent after 1"}, "C4": {StatusPass, ""},
		}},
		{bNever, Options{}, map[string]want{
			"C1": {StatusNotApplicable, ""}, "C3": {StatusPass, ""}, "C4": {StatusNotEnough, ""},
			"C6": {StatusNotApplicable, ""}, "C7": {StatusWarning, "not retried"},
		}},
		{bGivesUpLate, Options{}, map[string]want{
			"C3": {StatusFail, "attempt 6 > max attempts 5"}, "C6": {StatusFail, "after the last allowed attempt (5) failed < 1m0s"},
			"C1": {StatusPass, ""}, "C4": {StatusPass, ""},
		}},
		{bTooMany, Options{}, map[string]want{
			"C3": {StatusFail, "attempt 6 > max attempts 5"}, "C6": {StatusFail, "after the last allowed attempt (5) failed"},
			"C1": {StatusPass, ""}, "C4": {StatusPass, ""},
		}},
	}
	for _, tc := range tests {
		t.Run(string(tc.b)+"/"+tc.opts.Jitter.String(), func(t *testing.T) {
			cv, sv := generate(tc.b, 42, 3, 80)
			for view, evs := range map[string][]Event{"client": cv, "server": sv} {
				v := Check(evs, tc.opts)
				if len(v.Rules) != 7 {
					t.Fatalf("%s view: %d rules, want 7", view, len(v.Rules))
				}
				for id, w := range tc.want {
					r, _ := v.Rule(id)
					if r.Status != w.status {
						t.Errorf("%s view: %s = %s (%s), want %s", view, id, r.Status, r.Figure, w.status)
						continue
					}
					if w.status != StatusFail && w.status != StatusWarning {
						if r.Total != 0 {
							t.Errorf("%s view: %s %s has %d violations", view, id, r.Status, r.Total)
						}
						continue
					}
					if r.Total == 0 || len(r.Violations) == 0 {
						t.Errorf("%s view: %s %s without violations", view, id, r.Status)
						continue
					}
					viol := r.Violations[0]
					if !strings.Contains(viol.Figure, w.figure) {
						t.Errorf("%s view: %s figure %q, want it to contain %q", view, id, viol.Figure, w.figure)
					}
					if viol.Rule != id || !strings.HasPrefix(viol.Client, "client-") || viol.Answered.IsZero() {
						t.Errorf("%s view: %s violation lacks evidence: %+v", view, id, viol)
					}
					if !viol.Next.IsZero() && viol.Next.Before(viol.Answered) {
						t.Errorf("%s view: %s next attempt %v before answer %v", view, id, viol.Next, viol.Answered)
					}
				}
				wantPass := true
				for _, w := range tc.want {
					if w.status == StatusFail {
						wantPass = false
					}
				}
				if v.Pass() != wantPass {
					t.Errorf("%s view: Pass() = %v, want %v (%s)", view, v.Pass(), wantPass, v)
				}
			}
			if err := Compare(Check(cv, tc.opts), Check(sv, tc.opts)); err != nil {
				t.Errorf("Compare: %v", err)
			}
		})
	}
}

func TestCheckC4Evidence(t *testing.T) {
	cv, _ := generate(bImmediate, 7, 1, 200)
	v := Check(cv, Options{})
	r, _ := v.Rule("C4")
	if r.Status != StatusFail || r.Statistic <= r.Critical || r.Critical <= 0 {
		t.Fatalf("C4 = %s D⁺ %.3f crit %.3f", r.Status, r.Statistic, r.Critical)
	}
	viol := r.Violations[0]
	if viol.Client != "client-00" || viol.Status != 503 && viol.Status != 0 || viol.Next.IsZero() || !strings.Contains(viol.Figure, "e.g. retry") {
		t.Errorf("KS violation evidence: %+v", viol)
	}
	// Retry-After-governed retries are excluded and said so.
	if !strings.Contains(r.Figure, "Retry-After-governed retries graded by C1") {
		t.Errorf("C4 figure %q does not mention excluded retries", r.Figure)
	}
}

func TestKS(t *testing.T) {
	for _, n := range []int{30, 31, 50, 100, 200, 500, 1000} {
		for seed := uint64(1); seed <= 5; seed++ {
			rng := rand.New(rand.NewPCG(seed, 1000+uint64(n)))
			uni := make([]float64, n)
			near0 := make([]float64, n)
			near1 := make([]float64, n)
			for i := range n {
				uni[i] = rng.Float64()
				near0[i] = 0.3 * rng.Float64()
				near1[i] = 1 - 0.3*rng.Float64()
			}
			crit := KSCritical(n, 0.01)
			if d := KSPlus(uni); d > crit {
				t.Errorf("n=%d seed=%d: uniform D⁺ %.3f > %.3f", n, seed, d, crit)
			}
			if d := KSPlus(near0); d <= crit {
				t.Errorf("n=%d seed=%d: U(0,0.3) D⁺ %.3f ≤ %.3f", n, seed, d, crit)
			}
			// One-sided: retrying too late is not what C4 fails.
			if d := KSPlus(near1); d > crit {
				t.Errorf("n=%d seed=%d: U(0.7,1) D⁺ %.3f > %.3f", n, seed, d, crit)
			}
		}
	}
	if d := KSPlus(nil); d != 0 {
		t.Errorf("KSPlus(nil) = %v", d)
	}
	if got := KSPlus([]float64{0, 0, 0, 0}); got != 1 {
		t.Errorf("KSPlus(zeros) = %v, want 1", got)
	}
}

// retries builds one client's chain-per-key retries after 503 with the given
// normalised gaps u (M_1 = Base: each a first retry).
func retries(client string, us []float64, o Options) []Event {
	o = o.WithDefaults()
	var evs []Event
	at := t0
	for i, u := range us {
		key := client + string(rune('A'+i%26)) + string(rune('a'+i/26%26)) + string(rune('0'+i/676))
		ans := at.Add(3 * time.Millisecond)
		evs = append(evs,
			Event{Client: client, Key: key, Operation: "op", Arrived: at, Answered: ans, Status: 503},
			Event{Client: client, Key: key, Operation: "op", Arrived: ans.Add(time.Duration(u * float64(o.Base))), Answered: ans.Add(time.Second), Status: 200})
		at = at.Add(2 * time.Second)
	}
	return evs
}

func TestCheckKSThroughCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	draw := func(n int, hi float64) []float64 {
		us := make([]float64, n)
		for i := range us {
			us[i] = hi * rng.Float64()
		}
		return us
	}
	tests := []struct {
		name string
		evs  []Event
		want Status
	}{
		{"uniform n=30", retries("a", draw(30, 1), Options{}), StatusPass},
		{"uniform n=1000", retries("a", draw(1000, 1), Options{}), StatusPass},
		{"near zero n=30", retries("a", draw(30, 0.3), Options{}), StatusFail},
		{"near zero n=29", retries("a", draw(29, 0.3), Options{}), StatusNotEnough},
		// Two clients with 20 retries each: no per-client test, the pooled one decides.
		{"pooled near zero", append(retries("a", draw(20, 0.3), Options{}), retries("b", draw(20, 0.3), Options{})...), StatusFail},
		{"pooled uniform", append(retries("a", draw(20, 1), Options{}), retries("b", draw(20, 1), Options{})...), StatusPass},
		// Waiting longer than M_k (u capped at 1) is fine.
		{"slow", retries("a", draw(40, 5), Options{}), StatusPass},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := Check(tc.evs, Options{}).Rule("C4")
			if r.Status != tc.want {
				t.Errorf("C4 = %s (%s), want %s", r.Status, r.Figure, tc.want)
			}
		})
	}
}

func ev(client, key string, arrived, answered time.Duration, status int, ra time.Duration) Event {
	return Event{Client: client, Key: key, Operation: "createThreadNetwork",
		Arrived: t0.Add(arrived), Answered: t0.Add(answered), Status: status, RetryAfter: ra}
}

func TestChainIdentification(t *testing.T) {
	ms := time.Millisecond
	s := time.Second
	tests := []struct {
		name       string
		evs        []Event
		chains     int
		violations map[string]int // rule -> violation count
	}{
		{"two clients interleaved, same key", []Event{
			ev("A", "k", 0, 5*ms, 503, 0),
			ev("B", "k", 6*ms, 10*ms, 503, 0), // not A's retry: another client
			ev("A", "k", 400*ms, 405*ms, 503, 0),
			ev("B", "k", 300*ms, 310*ms, 200, 0),
			ev("A", "k", 1200*ms, 1205*ms, 200, 0),
		}, 2, map[string]int{}},
		{"401 then a new token starts a new chain", []Event{
			ev("A", "k", 0, 5*ms, 401, 0),
			ev("A2", "k", 20*ms, 25*ms, 200, 0),
		}, 2, map[string]int{"C2": 0}},
		{"401 re-sent with the same token", []Event{
			ev("A", "k", 0, 5*ms, 401, 0),
			ev("A", "k", 20*ms, 25*ms, 200, 0),
		}, 2, map[string]int{"C2": 1}},
		{"gap over 120 s starts a new chain", []Event{
			ev("A", "k", 0, 5*ms, 503, 0),
			ev("A", "k", 1*s, 1*s+5*ms, 503, 0),
			ev("A", "k", 3*s, 3*s+5*ms, 503, 0),
			ev("A", "k", 7*s, 7*s+5*ms, 503, 0),
			ev("A", "k", 15*s, 15*s+5*ms, 503, 0),
			ev("A", "k", 136*s, 136*s+5*ms, 200, 0), // 121 s after the 5th answer
		}, 2, map[string]int{"C3": 0, "C6": 0}},
		{"sixth attempt within 120 s", []Event{
			ev("A", "k", 0, 5*ms, 503, 0),
			ev("A", "k", 1*s, 1*s+5*ms, 503, 0),
			ev("A", "k", 3*s, 3*s+5*ms, 503, 0),
			ev("A", "k", 7*s, 7*s+5*ms, 503, 0),
			ev("A", "k", 15*s, 15*s+5*ms, 503, 0),
			ev("A", "k", 95*s, 95*s+5*ms, 200, 0),
		}, 1, map[string]int{"C3": 1, "C6": 0}},
		{"success then same key is a new chain", []Event{
			ev("A", "k", 0, 5*ms, 200, 0),
			ev("A", "k", 10*ms, 15*ms, 200, 0),
		}, 2, map[string]int{}},
		{"concurrent duplicate is not a retry", []Event{
			ev("A", "k", 0, 50*ms, 429, 2*s),
			ev("A", "k", 10*ms, 60*ms, 200, 0),
		}, 2, map[string]int{"C1": 0}},
		{"Retry-After seconds form, ε 50 ms", []Event{
			ev("A", "k", 0, 5*ms, 429, 5*s),
			ev("A", "k", 4*s+205*ms, 4*s+210*ms, 200, 0),
		}, 1, map[string]int{"C1": 1}},
		{"Retry-After longer than the chain window still binds", []Event{
			ev("A", "k", 0, 5*ms, 429, 300*s),
			ev("A", "k", 200*s, 200*s+5*ms, 200, 0),
		}, 2, map[string]int{"C1": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Check(tc.evs, Options{})
			if v.Chains != tc.chains {
				t.Errorf("chains = %d, want %d", v.Chains, tc.chains)
			}
			for _, id := range RuleIDs() {
				r, _ := v.Rule(id)
				if id == "C7" {
					continue
				}
				if wantN := tc.violations[id]; r.Total != wantN {
					t.Errorf("%s: %d violations, want %d: %+v", id, r.Total, tc.violations[id], r.Violations)
				}
			}
			// Order does not matter.
			shuffled := append([]Event(nil), tc.evs...)
			rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			w := Check(shuffled, Options{})
			a, _ := json.Marshal(v)
			b, _ := json.Marshal(w)
			if string(a) != string(b) {
				t.Errorf("verdict depends on input order:\n%s\n%s", a, b)
			}
		})
	}
}

func TestRetryAfterDate(t *testing.T) {
	evs := []Event{
		ev("A", "k", 0, 5*time.Millisecond, 429, 5*time.Second),
		ev("A", "k", 4*time.Second+205*time.Millisecond, 4*time.Second+210*time.Millisecond, 200, 0),
	}
	evs[0].RetryAfterDate = true // ε = 1 s: 4.2 s ≥ 5 s − 1 s
	if r, _ := Check(evs, Options{}).Rule("C1"); r.Status != StatusPass {
		t.Errorf("HTTP-date Retry-After: C1 = %s (%s)", r.Status, r.Figure)
	}
	evs[1].Arrived = t0.Add(3 * time.Second)
	r, _ := Check(evs, Options{}).Rule("C1")
	if r.Status != StatusFail || !strings.Contains(r.Violations[0].Figure, "(HTTP-date) − 1s") {
		t.Errorf("HTTP-date Retry-After 3 s early: C1 = %s %+v", r.Status, r.Violations)
	}
}

func TestAmplification(t *testing.T) {
	tests := []struct {
		b    behaviour
		opts Options
		want Status
	}{
		{bCompliant, Options{}, StatusPass},
		{bTooMany, Options{}, StatusFail},
		{bCompliant, Options{RetryBudget: true}, StatusFail},
		{bBudget, Options{RetryBudget: true}, StatusPass},
		{bNever, Options{}, StatusPass},
	}
	for _, tc := range tests {
		t.Run(string(tc.b), func(t *testing.T) {
			cv, sv := storm(tc.b, 9, 90*time.Second, 200*time.Millisecond)
			for _, evs := range [][]Event{cv, sv} {
				r, _ := Check(evs, tc.opts).Rule("C5")
				if r.Status != tc.want || r.N != 1 {
					t.Errorf("C5 = %s n=%d (%s), want %s n=1", r.Status, r.N, r.Figure, tc.want)
				}
				if tc.want == StatusFail && (len(r.Violations) != 1 || r.Violations[0].Client != "stormy" || !strings.Contains(r.Violations[0].Figure, "amplification")) {
					t.Errorf("C5 evidence: %+v", r.Violations)
				}
			}
		})
	}
	// A shorter window than the storm qualifies; a longer one does not.
	cv, _ := storm(bCompliant, 9, 20*time.Second, 200*time.Millisecond)
	if r, _ := Check(cv, Options{}).Rule("C5"); r.Status != StatusNotApplicable {
		t.Errorf("20 s storm, 60 s window: C5 = %s (%s)", r.Status, r.Figure)
	}
	if r, _ := Check(cv, Options{SustainedWindow: 10 * time.Second}).Rule("C5"); r.Status != StatusPass {
		t.Errorf("20 s storm, 10 s window: C5 = %s (%s)", r.Status, r.Figure)
	}
}

func TestViolationCapAndJSON(t *testing.T) {
	cv, _ := generate(bImmediate, 5, 2, 100)
	v := Check(cv, Options{MaxViolations: 3})
	r, _ := v.Rule("C1")
	if len(r.Violations) != 3 || r.Total <= 3 {
		t.Errorf("C1 kept %d of %d violations, want 3 of more", len(r.Violations), r.Total)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back Verdict
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Pass() != v.Pass() || len(back.Rules) != 7 || back.Options != v.Options {
		t.Errorf("JSON round trip changed the verdict: %s", b)
	}
	if !strings.Contains(string(b), `"jitter":"full"`) {
		t.Errorf("jitter not marshalled by name: %s", b)
	}
}

func TestOptions(t *testing.T) {
	o := Options{}.WithDefaults()
	if o.MaxAttempts != 5 || o.Base != 500*time.Millisecond || o.Cap != 20*time.Second || o.Alpha != 0.01 ||
		o.SustainedWindow != time.Minute || o.Epsilon != 50*time.Millisecond || o.DateEpsilon != time.Second || o.MaxViolations != 100 {
		t.Errorf("defaults: %+v", o)
	}
	ceil := []time.Duration{0, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 20 * time.Second, 20 * time.Second}
	for k := 1; k < len(ceil); k++ {
		if got := o.Ceiling(k); got != ceil[k] {
			t.Errorf("Ceiling(%d) = %v, want %v", k, got, ceil[k])
		}
	}
	if o.Ceiling(1000) != o.Cap {
		t.Errorf("Ceiling(1000) = %v", o.Ceiling(1000))
	}
	for in, want := range map[string]Jitter{"": JitterFull, "Full": JitterFull, "equal": JitterEqual, "none": JitterNone, "deterministic": JitterNone} {
		if got, err := ParseJitter(in); err != nil || got != want {
			t.Errorf("ParseJitter(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseJitter("decorrelated"); err == nil || !strings.Contains(err.Error(), "jitter") || !strings.Contains(err.Error(), "full, equal or none") {
		t.Errorf("ParseJitter(decorrelated) error %v", err)
	}
}

func TestEmpty(t *testing.T) {
	v := Check(nil, Options{})
	if !v.Pass() || len(v.Rules) != 7 || v.Events != 0 {
		t.Errorf("empty: %+v", v)
	}
	for _, r := range v.Rules {
		if r.Status == StatusFail || r.Status == StatusPass {
			t.Errorf("empty: %s = %s", r.ID, r.Status)
		}
	}
}

func TestBadInput(t *testing.T) {
	evs := []Event{
		{Client: "A", Key: "k", Arrived: t0, Status: 503},                                                // no answer time
		{Client: "A", Key: "k", Arrived: t0.Add(time.Second), Answered: t0, Status: 429, RetryAfter: -5}, // answered before it arrived
		{Client: "A", Key: "k", Arrived: t0.Add(3 * time.Second), Answered: t0.Add(3 * time.Second), Status: 200},
	}
	orig := slices.Clone(evs)
	v := Check(evs, Options{})
	if !slices.Equal(evs, orig) {
		t.Error("Check modified its input")
	}
	if v.Chains != 1 || !v.Pass() {
		t.Errorf("bad input: %s %+v", v, v.Rules)
	}
}

// Many compliant clients: the per-client tests share α (Bonferroni), so the
// run passes; the same clients retrying at once fail.
func TestManyClients(t *testing.T) {
	for _, tc := range []struct {
		b    behaviour
		want Status
	}{{bCompliant, StatusPass}, {bImmediate, StatusFail}} {
		cv, _ := generate(tc.b, 77, 40, 60)
		r, _ := Check(cv, Options{}).Rule("C4")
		if r.Status != tc.want || !strings.Contains(r.Figure, "KS tests at α=") {
			t.Errorf("%s: C4 = %s (%s), want %s", tc.b, r.Status, r.Figure, tc.want)
		}
	}
}
