package testrun

import (
	"bytes"
	"context"
	"testing"
)

// TestCancelAfter: the context is cancelled at the N-th write, not before,
// and every write reaches W.
func TestCancelAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    int
	}{{"first write", 1}, {"third write", 3}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var b bytes.Buffer
			w := &CancelAfter{W: &b, N: tt.n, Cancel: cancel}
			for i := 1; i <= tt.n+1; i++ {
				if _, err := w.Write([]byte("x")); err != nil {
					t.Fatal(err)
				}
				if done := ctx.Err() != nil; done != (i >= tt.n) {
					t.Fatalf("after write %d: cancelled %v, want %v", i, done, i >= tt.n)
				}
			}
			if b.Len() != tt.n+1 {
				t.Errorf("W got %d bytes, want %d", b.Len(), tt.n+1)
			}
		})
	}
}

// TestAppendOvershoot: the ratio is at least 1 and within append's growth
// factor (2 for small slices, about 1.25 + size-class rounding for large).
func TestAppendOvershoot(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to int
		hi       float64
	}{{1, 256, 2.01}, {10000, 40000, 1.3}}
	for _, tt := range tests {
		if got := AppendOvershoot[[3]int64](tt.from, tt.to); got < 1 || got > tt.hi {
			t.Errorf("AppendOvershoot(%d, %d) = %.3f, want in [1, %g]", tt.from, tt.to, got, tt.hi)
		}
	}
}
