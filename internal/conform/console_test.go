package conform

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cucumber/godog"

	"github.com/alexa-harness/harness/internal/clients"
)

// TestSummaryFilter: godog's closing summary is dropped, with the blank
// lines before it; everything else passes unchanged, however it is split
// into writes.
func TestSummaryFilter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"progress", "...... 6\n\n\n3 scenarios (3 passed)\n6 steps (6 passed)\n1.2345ms\n", "...... 6\n"},
		{"skipped counted as passed", "..--\n\n109 scenarios (109 passed)\n436 steps (436 passed)\n2m3.5s\n", "..--\n"},
		{"nothing selected", "\n\nNo scenarios\nNo steps\n13.26µs\n", ""},
		{"pretty keeps its blank lines", "Feature: x\n\n  Scenario: y\n    Given 2 networks\n\n1 scenarios (1 passed)\n1 steps (1 passed)\n5ms\n",
			"Feature: x\n\n  Scenario: y\n    Given 2 networks\n"},
		{"a digit line that is not a summary", "12 networks created\n", "12 networks created\n"},
		{"wrapper name cut", "    Then the status is 200 # register.go:154 -> reflect.makeFuncStub\n", "    Then the status is 200 # register.go:154\n"},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 3, 1 << 20} {
			var b bytes.Buffer
			f := &summaryFilter{w: &b, wholeLines: size < 1<<20} // pretty; whole writes pass either way
			for in := tt.in; in != ""; {
				k := min(size, len(in))
				if _, err := f.Write([]byte(in[:k])); err != nil {
					t.Fatal(err)
				}
				in = in[k:]
			}
			if err := f.Flush(); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("%s (writes of %d): got %q, want %q", tt.name, size, b.String(), tt.want)
			}
		}
	}
}

// TestPreflight: an address where nothing listens is ErrUnreachable naming
// it; a listening one passes.
func TestPreflight(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	live := "http://" + l.Addr().String()
	l2, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + l2.Addr().String()
	l2.Close()
	ctx := context.Background()
	if err := preflight(ctx, clients.Config{LockerURL: live, SMAPIURL: live, LWAURL: live}); err != nil {
		t.Errorf("listening target: %v", err)
	}
	err = preflight(ctx, clients.Config{LockerURL: live, SMAPIURL: dead, LWAURL: live})
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "nothing answers at "+dead) || strings.Contains(err.Error(), live) {
		t.Errorf("dead SMAPI: %v", err)
	}
}

// FuzzTags: a --tags expression is refused by NormalizeTags with an error
// naming it, or accepted and then run by godog without a panic or a
// refusal (godog's tag parser and ours agree).
func FuzzTags(f *testing.F) {
	for _, s := range []string{"", "@op:token", "@op:token && ~@mock-only", "@a,@b && ~@c", "~@x", "@", "@a &&", "(@a)", "@a || @b", "not @a", "@a,,@b", "@a\x00"} {
		f.Add(s)
	}
	fsys := fstest.MapFS{"x.feature": {Data: []byte("@a @op:token\nFeature: x\n  @b\n  Scenario: y\n    Given nothing\n")}}
	f.Fuzz(func(t *testing.T, expr string) {
		expr, err := NormalizeTags(expr) // what Run passes to godog
		if err != nil {
			if !strings.Contains(err.Error(), "tag expression") {
				t.Fatalf("error does not name the expression: %v", err)
			}
			return
		}
		suite := godog.TestSuite{
			ScenarioInitializer: func(sc *godog.ScenarioContext) {
				sc.Step(`^nothing$`, func() {})
			},
			Options: &godog.Options{Format: "progress", Output: io.Discard, Paths: []string{"."}, FS: fsys, Tags: expr, Concurrency: 1},
		}
		if code := suite.Run(); code != 0 && code != 1 {
			t.Fatalf("godog refused %q (exit %d), which ValidateTags accepts", expr, code)
		}
	})
}

// TestBlankTagsRunEverything: --tags of only blanks is no filter (godog
// panicked on it; found by FuzzTags).
func TestBlankTagsRunEverything(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{" ", "\t \n"} {
		opt, _, err := withDefaults(Options{Tags: expr})
		if err != nil || opt.Tags != "" {
			t.Errorf("withDefaults(Tags %q) = %q, %v; want no filter", expr, opt.Tags, err)
		}
	}
}
