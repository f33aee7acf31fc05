package conform

import (
	"context"
	"testing"
)

// TestFeatures runs the whole conformance suite against the embedded mock,
// each scenario as a subtest. It is the main conformance test of CI.
func TestFeatures(t *testing.T) {
	t.Parallel()
	res, err := Run(context.Background(), Options{Format: "none", TestingT: t})
	if err != nil {
		t.Fatal(err)
	}
	p, f, s := res.Counts()
	t.Logf("%d scenarios: %d passed, %d failed, %d skipped in %s", len(res.Scenarios), p, f, s, res.Duration)
	if !res.OK() {
		t.Errorf("conformance run failed: %s", res.Verdict())
	}
	if s > 0 {
		for _, sc := range res.Skipped() {
			t.Errorf("skipped against the mock: %s: %s", sc.Name, sc.Reason)
		}
	}
}
