package loadgen

import (
	"errors"
	"math"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

const validProfile = `
name: t
duration: 5s
pacer: {type: constant, rate: 10}
mix: {get: 1}
clients: {count: 2, retry: {policy: standard}}
`

func TestParseProfileErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error, all required
	}{
		{"empty", "", []string{"x.yaml: ", "empty"}},
		{"malformed YAML", "pacer: [type: constant\n", []string{"x.yaml: ", "malformed YAML"}},
		{"not a mapping", "- a\n- b\n", []string{"must be a YAML mapping"}},
		{"unknown top-level field", validProfile + "colour: red\n", []string{"colour: unknown field \"colour\"", "known fields here", "duration"}},
		{"unknown nested field", strings.Replace(validProfile, "rate: 10", "rate: 10, rat: 3", 1), []string{"pacer.rat", "unknown field \"rat\"", "rate"}},
		{"bad pacer type", strings.Replace(validProfile, "constant", "zigzag", 1), []string{"pacer.type: unknown pacer \"zigzag\"", "constant, linear, step, sine or max"}},
		{"missing pacer type", strings.Replace(validProfile, "type: constant, ", "", 1), []string{"pacer.type: missing"}},
		{"negative rate", strings.Replace(validProfile, "rate: 10", "rate: -5", 1), []string{"pacer.rate: must be a number of hits per second from 0.001 to 1e+06", "(got -5)", `e.g. "rate: 50"`}},
		{"rate not a number", strings.Replace(validProfile, "rate: 10", "rate: fast", 1), []string{"pacer.rate", "want a number"}},
		{"weights sum to 0", strings.Replace(validProfile, "get: 1", "get: 0, create: 0", 1), []string{"mix: weights sum to 0"}},
		{"negative weight", strings.Replace(validProfile, "get: 1", "get: -1, create: 1", 1), []string{"mix.get: weight must be 0 to 1000000 (got -1)"}},
		{"unknown operation", strings.Replace(validProfile, "get: 1", "delete: 1", 1), []string{"mix.delete: unknown operation", "get-all-pages"}},
		{"unknown policy", strings.Replace(validProfile, "policy: standard", "policy: yolo", 1), []string{"clients.retry.policy: unknown retry policy \"yolo\"", "ignore-retry-after"}},
		{"bad duration", strings.Replace(validProfile, "duration: 5s", "duration: soon", 1), []string{"duration: cannot parse \"soon\" as a duration", "e.g."}},
		{"zero duration", strings.Replace(validProfile, "duration: 5s", "duration: 0s", 1), []string{"duration: must be 1s to 24h0m0s (got 0s)"}},
		{"bad target", validProfile + "target: prod\n", []string{"target: must be \"mock\"", "\"env\""}},
		{"step without every", strings.Replace(validProfile, "{type: constant, rate: 10}", "{type: step, start: 10, step: 5}", 1), []string{"pacer.every: must be at least 100ms"}},
		{"sine amplitude too big", strings.Replace(validProfile, "{type: constant, rate: 10}", "{type: sine, mean: 10, amplitude: 20, period: 10s}", 1), []string{"pacer.amplitude", "< mean"}},
		{"page size", validProfile + "data: {pageSize: 500}\n", []string{"data.pageSize: must be 1–100"}},
		{"client count", strings.Replace(validProfile, "count: 2", "count: 0", 1) + "", []string{}},
		{"rate limit rate", validProfile + "mock: {rateLimit: {rate: 0, burst: 1}}\n", []string{"mock.rateLimit.rate: must be > 0"}},
		{"fault status", validProfile + "mock: {faults: [{operation: '*', status: 200}]}\n", []string{"mock.faults[0].status: 200 is not an error status: use 400–599"}},
		{"mock on env", strings.Replace(validProfile, "name: t", "name: t\ntarget: env", 1) + "mock: {rateLimit: {rate: 1, burst: 1}}\n", []string{"mock: rate limits and faults can only be applied"}},
		{"error rate fraction", validProfile + "thresholds: {errorRate: 5}\n", []string{"thresholds.errorRate: must be a fraction 0–1"}},
		{"latency op", validProfile + "thresholds: {latency: {delete: {p99: 1s}}}\n", []string{"thresholds.latency.delete: unknown operation"}},
		{"backoff mode", validProfile + "thresholds: {backoff: maybe}\n", []string{"thresholds.backoff: must be"}},
		{"wrong type for mix", strings.Replace(validProfile, "mix: {get: 1}", "mix: [get]", 1), []string{"mix", "want a mapping"}},
		{"binary garbage", "\x00\x01\x02\xff\xfe", []string{"x.yaml"}},
		{"tab indentation", "name: t\n\tduration: 5s\n", []string{"malformed YAML"}},
		{"anchors bomb", "a: &a [1,2,3]\nb: &b [*a,*a,*a]\nc: [*b,*b,*b]\n", []string{"x.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseProfile("profiles/x.yaml", []byte(tt.yaml))
			if tt.name == "client count" {
				// count 0 takes the default of 1.
				if err != nil || p.Clients.Count != 1 {
					t.Fatalf("count 0: got %v, %v; want the default 1", p, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error for %q", tt.yaml)
			}
			var pe *ProfileError
			if !errors.As(err, &pe) {
				t.Errorf("error %T is not a *ProfileError: %v", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseProfileDefaults(t *testing.T) {
	p, err := ParseProfile("profiles/mine.yaml", []byte(strings.Replace(validProfile, "name: t\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "mine" || p.Target != TargetMock || *p.Data.Preload != 5 || p.Data.PageSize != 2 ||
		p.Thresholds.Backoff != BackoffReport || p.Timeout.D().Seconds() != 30 {
		t.Errorf("defaults not applied: %+v", p)
	}
}

// TestShippedProfiles parses every profile the repository ships.
func TestShippedProfiles(t *testing.T) {
	files, _ := filepath.Glob("../../profiles/*.yaml")
	ex, _ := filepath.Glob("../../profiles/examples/*.yaml")
	files = append(files, ex...)
	if len(files) < 5 {
		t.Fatalf("found only %d profiles", len(files))
	}
	for _, f := range files {
		p, _, err := LoadProfile(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if _, err := NewSchedule(p.Pacer, 0); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	p, _, err := LoadProfile("../../profiles/smoke.yaml")
	if err != nil || p.Duration.D().Seconds() > 15 {
		t.Errorf("smoke must last at most 15 s: %v %v", p, err)
	}
}

// FuzzParseProfile: no input may crash the parser, and a profile it
// accepts builds its schedule and targeter and draws hits without a panic
// (an overflowing mix once passed validation and panicked in IntN).
func FuzzParseProfile(f *testing.F) {
	for _, s := range []string{validProfile, "", "a: [", "pacer: {type: step, every: 1ms}",
		strings.Replace(validProfile, "get: 1", "get: 9223372036854775807, create: 1", 1),
		strings.Replace(validProfile, "{type: constant, rate: 10}", "{type: linear, start: 1, slope: 1e12}", 1),
		validProfile + "mock: {faults: [{operation: token, status: 503, probability: .nan}]}\n"} {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("../../profiles/*.yaml")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseProfile("f.yaml", b)
		if err != nil {
			return
		}
		if p == nil {
			t.Fatal("nil profile without an error")
		}
		if es := p.Validate(); len(es) > 0 {
			t.Fatalf("a parsed profile does not validate: %v", es)
		}
		s, err := NewSchedule(p.Pacer, 0)
		if err != nil {
			t.Fatalf("a valid profile has no schedule: %v", err)
		}
		if h := s.Hits(p.Duration.D()); math.IsNaN(h) || math.IsInf(h, 0) || h > maxRate*maxDuration.Seconds() {
			t.Fatalf("plans %g hits", h)
		}
		tg := NewTargeter(TargeterConfig{Mix: p.Mix, Clients: p.Clients.Count, Seed: p.Data.Seed,
			PageSize: p.Data.PageSize, Preload: *p.Data.Preload, Endpoints: Endpoints{"http://127.0.0.1:1", "http://127.0.0.1:1", "http://127.0.0.1:1"}})
		var tgt vegeta.Target
		for range 3 {
			if err := tg.Next(&tgt); err != nil {
				t.Fatalf("targeter: %v", err)
			}
		}
	})
}

// TestProfileBounds: every number a profile reads is finite and bounded,
// and every check's error names the field path (and its line) at
// validation time, before anything starts. The first three are the cases
// of issue 8: each used to pass validation and fail after the mock had
// started (or print "≤ NaN%").
func TestProfileBounds(t *testing.T) {
	const base = `
name: t
duration: 5s
pacer: {type: constant, rate: 10}
mix: {get: 1}
`
	pacer := func(spec string) string { return strings.Replace(base, "{type: constant, rate: 10}", spec, 1) }
	tests := []struct {
		name  string
		yaml  string
		field string // the field path of (one of) the errors
		want  string // a substring of that error's message
	}{
		{"fault status and reset", base + "mock: {faults: [{operation: token, status: 503, reset: true}]}\n", "mock.faults[0].reset", "not both"},
		{"fault probability NaN", base + "mock: {faults: [{operation: token, status: 503, probability: .nan}]}\n", "mock.faults[0].probability", "finite"},
		{"error rate NaN", base + "thresholds: {errorRate: .nan}\n", "thresholds.errorRate", "fraction 0–1"},
		{"fault operation", base + "mock: {faults: [{operation: delete, status: 503}]}\n", "mock.faults[0].operation", "getThreadNetworks"},
		{"fault second of two", base + "mock: {faults: [{operation: token, status: 503}, {operation: token, delayMs: 600000}]}\n", "mock.faults[1].delayMs", "60000"},
		{"fault count", base + "mock: {faults: [{operation: '*', status: 503, count: -1}]}\n", "mock.faults[0].count", "got -1"},
		{"rate limit NaN", base + "mock: {rateLimit: {rate: .nan}}\n", "mock.rateLimit.rate", "finite"},
		{"rate limit Inf", base + "mock: {rateLimit: {rate: .inf}}\n", "mock.rateLimit.rate", "finite"},
		{"rate limit operation", base + "mock: {rateLimit: {operation: nope, rate: 1}}\n", "mock.rateLimit.operation", "token"},
		{"rate limit retryAfter", base + "mock: {rateLimit: {rate: 1, retryAfter: 100000}}\n", "mock.rateLimit.retryAfter", "86400"},
		{"constant rate NaN", pacer("{type: constant, rate: .nan}"), "pacer.rate", "got NaN"},
		{"constant rate Inf", pacer("{type: constant, rate: .inf}"), "pacer.rate", "got +Inf"},
		{"constant rate -Inf", pacer("{type: constant, rate: -.inf}"), "pacer.rate", "got -Inf"},
		{"constant rate too high", pacer("{type: constant, rate: 2000000}"), "pacer.rate", "generator's limit"},
		{"constant rate too low", pacer("{type: constant, rate: 1e-9}"), "pacer.rate", "0.001"},
		{"plans no hit", pacer("{type: constant, rate: 0.01}"), "duration", "plans no hit"},
		{"linear slope NaN", pacer("{type: linear, start: 1, slope: .nan}"), "pacer.slope", "got NaN"},
		{"linear slope Inf", pacer("{type: linear, start: 1, slope: .inf}"), "pacer.slope", "got +Inf"},
		{"linear slope past the cap", pacer("{type: linear, start: 1, slope: 1e12}"), "pacer.slope", "1e+06"},
		{"linear ramp past the cap", pacer("{type: linear, start: 1, slope: 900000}"), "pacer.slope", "by the end of the run"},
		{"linear start NaN", pacer("{type: linear, start: .nan, slope: 1}"), "pacer.start", "got NaN"},
		{"step step huge", pacer("{type: step, start: 1, step: 1e12, every: 1s}"), "pacer.step", "got 1e+12"},
		{"step ramp past the cap", pacer("{type: step, start: 1, step: 500000, every: 1s}"), "pacer.step", "last step"},
		{"step max Inf", pacer("{type: step, start: 1, step: 1, every: 1s, max: .inf}"), "pacer.max", "got +Inf"},
		{"step max huge", pacer("{type: step, start: 1, step: 1, every: 1s, max: 1e12}"), "pacer.max", "1e+06"},
		{"step max NaN", pacer("{type: step, start: 1, step: 1, every: 1s, max: .nan}"), "pacer.max", "got NaN"},
		{"step step NaN", pacer("{type: step, start: 1, step: .nan, every: 1s}"), "pacer.step", "got NaN"},
		{"sine amplitude NaN", pacer("{type: sine, mean: 10, amplitude: .nan, period: 10s}"), "pacer.amplitude", "got NaN"},
		{"sine mean Inf", pacer("{type: sine, mean: .inf, amplitude: 1, period: 10s}"), "pacer.mean", "got +Inf"},
		{"sine period tiny", pacer("{type: sine, mean: 10, amplitude: 1, period: 1ns}"), "pacer.period", "100ms"},
		{"sine peak past the cap", pacer("{type: sine, mean: 900000, amplitude: 800000, period: 10s}"), "pacer.amplitude", "limit"},
		{"workers", pacer("{type: max, workers: 1000000}"), "pacer.workers", "100000"},
		{"duration 1ns", strings.Replace(base, "5s", "1ns", 1), "duration", "1s to 24h"},
		{"duration 48h", strings.Replace(base, "5s", "48h", 1), "duration", "1s to 24h"},
		{"timeout too long", base + "timeout: 1h\n", "timeout", "10m0s"},
		{"timeout too short", base + "timeout: 1ns\n", "timeout", "100ms"},
		{"mix weight overflow", strings.Replace(base, "{get: 1}", "{get: 9223372036854775807, create: 1}", 1), "mix.get", "1000000"},
		{"mix weight too big", strings.Replace(base, "{get: 1}", "{get: 1000001}", 1), "mix.get", "relative"},
		{"preload", base + "data: {preload: 1001}\n", "data.preload", "0–1000"},
		{"clients", base + "clients: {count: 10001}\n", "clients.count", "1–10000"},
		{"max attempts", base + "clients: {retry: {maxAttempts: 1000000}}\n", "clients.retry.maxAttempts", "1–20"},
		{"retry base", base + "clients: {retry: {base: 1h}}\n", "clients.retry.base", "10m0s"},
		{"retry cap", base + "clients: {retry: {base: 1s, cap: 2h}}\n", "clients.retry.cap", "10m0s"},
		{"retry cap below base", base + "clients: {retry: {base: 2s, cap: 1s}}\n", "clients.retry.cap", "base (2s)"},
		{"budget capacity", base + "clients: {retryBudget: {capacity: -1}}\n", "clients.retryBudget.capacity", "500 tokens"},
		{"budget cost", base + "clients: {retryBudget: {capacity: 10, cost: 11}}\n", "clients.retryBudget.cost", "10 tokens"},
		{"min rate NaN", base + "thresholds: {minRate: .nan}\n", "thresholds.minRate", "got NaN"},
		{"min rate Inf", base + "thresholds: {minRate: .inf}\n", "thresholds.minRate", "got +Inf"},
		{"error rate Inf", base + "thresholds: {errorRate: .inf}\n", "thresholds.errorRate", "fraction"},
		{"allowed status", base + "thresholds: {allowStatuses: [429, 999]}\n", "thresholds.allowStatuses[1]", "100–599"},
		{"latency limit", base + "thresholds: {latency: {all: {p99: 2h}}}\n", "thresholds.latency.all.p99", "1h0m0s"},
		{"slo error rate NaN", base + "slo: {errorRate: .nan}\n", "slo.errorRate", "got NaN"},
		{"slo min achieved NaN", base + "slo: {minAchieved: .nan}\n", "slo.minAchieved", "got NaN"},
		{"slo p99", base + "slo: {p99: -1s}\n", "slo.p99", "got -1s"},
		{"every problem, not the first", strings.Replace(strings.Replace(base, "5s", "1ns", 1), "{get: 1}", "{get: 0}", 1), "mix", "sum to 0"},
		{"too many faults", base + "mock: {faults: [" + strings.Repeat("{operation: token, status: 503},", 101) + "]}\n", "mock.faults", "at most 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseProfile("p.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("no error for\n%s", tt.yaml)
			}
			var es ProfileErrors
			if !errors.As(err, &es) {
				t.Fatalf("error %T is not ProfileErrors: %v", err, err)
			}
			for _, e := range es {
				if e.Field != tt.field {
					continue
				}
				if !strings.Contains(e.Msg, tt.want) {
					t.Errorf("%s: %q does not say %q", e.Field, e.Msg, tt.want)
				}
				if e.File != "p.yaml" {
					t.Errorf("file %q, want p.yaml", e.File)
				}
				if e.Line == 0 && strings.Contains(tt.yaml, lastKey(tt.field)+":") {
					t.Errorf("%s: no line number: %v", e.Field, e)
				}
				return
			}
			t.Errorf("no error for field %s; got:\n%v", tt.field, err)
		})
	}
}

// lastKey is the last key of a field path ("mock.faults[0].reset" → "reset").
func lastKey(field string) string {
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	if i := strings.IndexByte(field, '['); i >= 0 {
		field = field[:i]
	}
	return field
}

// TestOverridesBounded: --rate and --duration go through the same checks,
// as usage errors naming the field.
func TestOverridesBounded(t *testing.T) {
	p, err := ParseProfile("p.yaml", []byte(validProfile))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		o        Options
		inErr    string
		isFields bool // the error carries ProfileErrors
	}{
		{"rate past the cap", Options{Rate: 1e12}, "pacer.rate", true},
		{"rate NaN", Options{Rate: math.NaN()}, "--rate", false},
		{"rate Inf", Options{Rate: math.Inf(1)}, "--rate", false},
		{"duration too short", Options{Duration: time.Nanosecond}, "duration: must be 1s", true},
		{"negative duration", Options{Duration: -time.Second}, "--duration", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			o.Profile = p
			_, err := o.Effective()
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.inErr) {
				t.Fatalf("err = %v, want a usage error mentioning %q", err, tt.inErr)
			}
			var pe *ProfileError
			if errors.As(err, &pe) != tt.isFields {
				t.Errorf("errors.As(*ProfileError) = %v, want %v: %v", !tt.isFields, tt.isFields, err)
			}
		})
	}
}

// TestValidateLeavesInputUnchanged: Validate (and WithDefaults) never
// modify the profile they are given, even one with every default missing.
func TestValidateLeavesInputUnchanged(t *testing.T) {
	er := 0.5
	tests := []struct {
		name string
		p    Profile
	}{
		{"bare", Profile{Duration: Duration(5 * time.Second), Pacer: PacerSpec{Type: "constant", Rate: 5}, Mix: map[string]int{MixGet: 1}}},
		{"mock defaults", Profile{Duration: Duration(5 * time.Second), Pacer: PacerSpec{Type: "constant", Rate: 5}, Mix: map[string]int{MixGet: 1},
			Mock:       MockSpec{RateLimit: &RateLimitSpec{Rate: 2.5}, Faults: []FaultSpec{{Operation: "*", Status: 503}}},
			Thresholds: Thresholds{ErrorRate: &er, Latency: map[string]LatencyLimits{"all": {P99: Duration(time.Second)}}},
			SLO:        &SLO{ErrorRate: &er}, Clients: ClientsSpec{RetryBudget: &RetryBudgetSpec{}}}},
		{"invalid", Profile{Pacer: PacerSpec{Type: "step", Start: math.Inf(-1)}, Mix: map[string]int{"x": -1},
			Mock: MockSpec{RateLimit: &RateLimitSpec{Rate: math.Inf(1)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := *tt.p.clone()
			_ = tt.p.Validate()
			d := tt.p.WithDefaults()
			if !reflect.DeepEqual(before, tt.p) {
				t.Errorf("modified:\n%+v\nwas\n%+v", tt.p, before)
			}
			// The copy shares nothing with the original.
			d.Mix["create"] = 7
			if d.Mock.RateLimit != nil {
				d.Mock.RateLimit.Burst = 99
			}
			if !reflect.DeepEqual(before, tt.p) {
				t.Errorf("WithDefaults' copy aliases the original")
			}
		})
	}
	// The defaults the mock applies are in the copy: "*" and its burst.
	d := tests[1].p.WithDefaults()
	if rl := d.Mock.RateLimit; rl.Operation != "*" || rl.Burst != 3 {
		t.Errorf("rate limit defaults: %+v, want operation * and burst 3", rl)
	}
	if es := tests[1].p.Validate(); len(es) > 0 {
		t.Errorf("valid profile: %v", es)
	}
}

// TestRateScalesMinRate: --rate scales thresholds.minRate with the pacer
// (by the new rate over the profile's), for every pacer with a rate; the
// max pacer has none, so its floor stays.
func TestRateScalesMinRate(t *testing.T) {
	tests := []struct {
		name  string
		pacer string
		rate  float64
		want  float64
	}{
		{"constant 100/s to 10/s", "{type: constant, rate: 100}", 10, 9},
		{"linear from 50/s to 100/s", "{type: linear, start: 50, slope: 1}", 100, 180},
		{"step from 100/s to 50/s", "{type: step, start: 100, step: 10, every: 1s}", 50, 45},
		{"sine mean 100/s to 200/s", "{type: sine, mean: 100, amplitude: 10, period: 10s}", 200, 180},
		{"max: no rate to scale", "{type: max, workers: 4}", 10, 90},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseProfile("p.yaml", []byte("duration: 10s\npacer: "+tt.pacer+"\nmix: {get: 1}\nthresholds: {minRate: 90}\n"))
			if err != nil {
				t.Fatal(err)
			}
			eff, err := Options{Profile: p, Rate: tt.rate}.Effective()
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(eff.Thresholds.MinRate-tt.want) > 1e-9 {
				t.Errorf("minRate %g, want %g", eff.Thresholds.MinRate, tt.want)
			}
			if p.Thresholds.MinRate != 90 {
				t.Errorf("the profile itself was changed: minRate %g", p.Thresholds.MinRate)
			}
		})
	}
}

// TestGeneratorBounds: the generator section and maxNotSent are bounded,
// each error naming its field.
func TestGeneratorBounds(t *testing.T) {
	tests := []struct{ yaml, field string }{
		{"generator: {maxInFlight: -1}", "generator.maxInFlight"},
		{"generator: {maxInFlight: 1000001}", "generator.maxInFlight"},
		{"generator: {maxLag: 1ns}", "generator.maxLag"},
		{"generator: {maxCpu: 2}", "generator.maxCpu"},
		{"generator: {maxCpu: .nan}", "generator.maxCpu"},
		{"thresholds: {maxNotSent: 1.5}", "thresholds.maxNotSent"},
		{"thresholds: {maxNotSent: .nan}", "thresholds.maxNotSent"},
		{"generator: {maxInFlight: 2}\npacer: {type: max, workers: 4}", "pacer.workers"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			y := "duration: 10s\nmix: {get: 1}\n" + tt.yaml + "\n"
			if !strings.Contains(tt.yaml, "pacer:") {
				y += "pacer: {type: constant, rate: 5}\n"
			}
			_, err := ParseProfile("p.yaml", []byte(y))
			var pe *ProfileError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.field+":") {
				t.Errorf("err = %v, want one naming %s", err, tt.field)
			}
		})
	}
}

// TestMetricsListenAddr: ":PORT" binds loopback, an explicit host is kept,
// and a malformed address is refused naming the flag.
func TestMetricsListenAddr(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{":9101", "127.0.0.1:9101", ""},
		{"127.0.0.1:0", "127.0.0.1:0", ""},
		{"[::1]:9101", "[::1]:9101", ""},
		{"0.0.0.0:9101", "0.0.0.0:9101", ""},
		{"9101", "", "--metrics-addr"},
		{":99999", "", "port"},
	}
	for _, tt := range tests {
		got, err := metricsListenAddr(tt.in)
		if got != tt.want || (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("metricsListenAddr(%q) = %q, %v; want %q, error ~%q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// FuzzMetricsListenAddr: any --metrics-addr is either refused with an
// error naming the flag or the port, or becomes a HOST:PORT with a host.
func FuzzMetricsListenAddr(f *testing.F) {
	for _, s := range []string{":9101", "127.0.0.1:0", "[::1]:1", "9101", ":99999", "", ":", "a:b:c", "[::1", "host:-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := metricsListenAddr(s)
		if err != nil {
			if got != "" || !strings.Contains(err.Error(), "--metrics-addr") {
				t.Fatalf("metricsListenAddr(%q) = %q, %v", s, got, err)
			}
			return
		}
		host, port, err := net.SplitHostPort(got)
		if err != nil || host == "" || port == "" {
			t.Fatalf("metricsListenAddr(%q) = %q: not HOST:PORT with a host (%v)", s, got, err)
		}
	})
}

// TestProgressString: the progress line shows the hits due, sent and not
// sent, and the backlog only while the generator is behind.
func TestProgressString(t *testing.T) {
	tests := []struct {
		p       Progress
		want    []string
		notWant string
	}{
		{Progress{Elapsed: time.Second, Planned: 10 * time.Second, Due: 100, Sent: 100, Rate: 100}, []string{"1s/10s", "due 100", "sent 100", "100 hits/s", "0 failed", "(0 attempts answered 429)"}, "BEHIND"},
		{Progress{Elapsed: 2 * time.Second, Planned: 10 * time.Second, Due: 2000, Sent: 500, NotSent: 300, InFlight: 8}, []string{"not sent 300", "BEHIND 1192", "8 in flight"}, ""},
		{Progress{Elapsed: 10 * time.Second, Planned: 10 * time.Second, Due: 2000, Sent: 500, Done: true}, []string{"due 2000", "sent 500"}, "BEHIND"},
	}
	for _, tt := range tests {
		s := tt.p.String()
		for _, w := range tt.want {
			if !strings.Contains(s, w) {
				t.Errorf("%q lacks %q", s, w)
			}
		}
		if tt.notWant != "" && strings.Contains(s, tt.notWant) {
			t.Errorf("%q has %q", s, tt.notWant)
		}
	}
}
