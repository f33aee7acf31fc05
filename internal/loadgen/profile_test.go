package loadgen

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		{"negative rate", strings.Replace(validProfile, "rate: 10", "rate: -5", 1), []string{"pacer.rate: must be > 0", "(got -5)", `e.g. "rate: 50"`}},
		{"rate not a number", strings.Replace(validProfile, "rate: 10", "rate: fast", 1), []string{"pacer.rate", "want a number"}},
		{"weights sum to 0", strings.Replace(validProfile, "get: 1", "get: 0, create: 0", 1), []string{"mix: weights sum to 0"}},
		{"negative weight", strings.Replace(validProfile, "get: 1", "get: -1, create: 1", 1), []string{"mix.get: weight must be >= 0"}},
		{"unknown operation", strings.Replace(validProfile, "get: 1", "delete: 1", 1), []string{"mix.delete: unknown operation", "get-all-pages"}},
		{"unknown policy", strings.Replace(validProfile, "policy: standard", "policy: yolo", 1), []string{"clients.retry.policy: unknown retry policy \"yolo\"", "ignore-retry-after"}},
		{"bad duration", strings.Replace(validProfile, "duration: 5s", "duration: soon", 1), []string{"duration: cannot parse \"soon\" as a duration", "e.g."}},
		{"zero duration", strings.Replace(validProfile, "duration: 5s", "duration: 0s", 1), []string{"duration: must be > 0"}},
		{"bad target", validProfile + "target: prod\n", []string{"target: must be \"mock\"", "\"env\""}},
		{"step without every", strings.Replace(validProfile, "{type: constant, rate: 10}", "{type: step, start: 10, step: 5}", 1), []string{"pacer.every: must be at least 100ms"}},
		{"sine amplitude too big", strings.Replace(validProfile, "{type: constant, rate: 10}", "{type: sine, mean: 10, amplitude: 20, period: 10s}", 1), []string{"pacer.amplitude", "< mean"}},
		{"page size", validProfile + "data: {pageSize: 500}\n", []string{"data.pageSize: must be 1–100"}},
		{"client count", strings.Replace(validProfile, "count: 2", "count: 0", 1) + "", []string{}},
		{"rate limit rate", validProfile + "mock: {rateLimit: {rate: 0, burst: 1}}\n", []string{"mock.rateLimit.rate: must be > 0"}},
		{"fault status", validProfile + "mock: {faults: [{operation: '*', status: 200}]}\n", []string{"mock.faults[0].status: must be an error status 400–599"}},
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

// FuzzParseProfile: no input may crash the parser.
func FuzzParseProfile(f *testing.F) {
	for _, s := range []string{validProfile, "", "a: [", "pacer: {type: step, every: 1ms}"} {
		f.Add([]byte(s))
	}
	if b, err := os.ReadFile("../../profiles/nightly.yaml"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseProfile("f.yaml", b)
		if err == nil && p == nil {
			t.Fatal("nil profile without an error")
		}
	})
}
