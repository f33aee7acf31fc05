package main

import (
	"strings"
	"testing"
)

// TestClientURLsAndFlags: a bad URL is one usage error (exit 2) before any
// traffic, named once under the flag or variable the user set; the attempts
// are bounded; with no URL configured the real endpoint is named.
func TestClientURLsAndFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		code  int
		want  []string
		never []string
		once  string // must occur exactly once in stderr
	}{
		{"--mock port 99999", nil, []string{"client", "token", "--mock", "http://127.0.0.1:99999"}, ExitUsage,
			[]string{`--mock "http://127.0.0.1:99999": port 99999 is out of range`}, []string{"HARNESS_"}, "--mock"},
		{"--mock not a URL", nil, []string{"client", "token", "--mock", "127.0.0.1:8080"}, ExitUsage,
			[]string{`--mock "127.0.0.1:8080": want an absolute http(s) URL`}, []string{"HARNESS_"}, "--mock"},
		{"--mock empty port", nil, []string{"client", "token", "--mock", "http://127.0.0.1:"}, ExitUsage,
			[]string{"the port is empty"}, nil, "the port is empty"},
		{"--mock with credentials", nil, []string{"client", "token", "--mock", "http://user:hunter2@127.0.0.1:8080"}, ExitUsage,
			[]string{"remove the user info"}, []string{"hunter2"}, ""},
		{"--locker-url port 0", nil, []string{"client", "get-networks", "--extended-pan-id", "0123456789abcdef", "--locker-url", "http://127.0.0.1:0"}, ExitUsage,
			[]string{"--locker-url", "port 0 is out of range"}, []string{"HARNESS_LOCKER_URL"}, ""},
		{"variable port 99999", map[string]string{"HARNESS_LOCKER_URL": "http://127.0.0.1:99999"},
			[]string{"client", "get-networks", "--extended-pan-id", "0123456789abcdef"}, ExitUsage,
			[]string{`HARNESS_LOCKER_URL "http://127.0.0.1:99999": port 99999 is out of range`}, nil, "HARNESS_LOCKER_URL"},
		{"flag replaces a bad variable", map[string]string{"HARNESS_LWA_URL": "nonsense"},
			[]string{"client", "token", "--lwa-url", "http://127.0.0.1:1", "--max-attempts", "0"}, ExitUsage,
			[]string{"--max-attempts 0: use 1–20"}, []string{"nonsense"}, ""},
		{"--max-attempts 1000000", nil, []string{"client", "token", "--mock", "http://127.0.0.1:1", "--max-attempts", "1000000"}, ExitUsage,
			[]string{"--max-attempts 1000000: use 1–20", "back-off"}, nil, ""},
		{"real LWA named", nil, []string{"client", "token"}, ExitUsage,
			[]string{"note: calling the real service https://api.amazon.com (HARNESS_LWA_URL is unset)"}, []string{"api.amazonalexa.com"}, ""},
		{"no note for the mock", nil, []string{"client", "token", "--mock", "http://127.0.0.1:1", "--max-attempts", "0"}, ExitUsage,
			nil, []string{"real service"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, errs := runHarness(t, tt.env, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, errs)
			}
			assertSays(t, "stderr", errs, tt.want, tt.never)
			if tt.once != "" && strings.Count(errs, tt.once) != 1 {
				t.Errorf("stderr names %q %d times, want once:\n%s", tt.once, strings.Count(errs, tt.once), errs)
			}
		})
	}
}
