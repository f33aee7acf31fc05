package regress_test

import (
	"fmt"

	"github.com/alexa-harness/harness/internal/regress"
)

func Example() {
	var base, cand []regress.Observation
	for i := range 30 {
		jitter := float64(i%7) * 0.0002
		base = append(base, regress.Observation{Operation: "get", Metric: "p50", Value: 0.005 + jitter})
		cand = append(cand, regress.Observation{Operation: "get", Metric: "p50", Value: 0.025 + jitter})
		base = append(base, regress.Observation{Operation: "put", Metric: "p50", Value: 0.005 + jitter})
		cand = append(cand, regress.Observation{Operation: "put", Metric: "p50", Value: 0.005 + jitter})
	}
	rep, err := regress.Compare(base, cand, regress.WithThreshold(0.05))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rep.Results {
		fmt.Printf("%s %s: %s", r.Operation, r.Metric, r.Verdict)
		if r.Verdict == regress.Regression {
			fmt.Printf(", %+.0f%% (shift %.1f ms, CI %.1f to %.1f ms)", 100*r.Relative, 1000*r.Shift, 1000*r.ShiftLo, 1000*r.ShiftHi)
		}
		fmt.Println()
	}
	fmt.Println("regression:", rep.HasRegression())
	// Output:
	// get p50: regression, +357% (shift 20.0 ms, CI 19.8 to 20.2 ms)
	// put p50: no significant change
	// regression: true
}
