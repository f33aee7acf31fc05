package changepoint_test

import (
	"fmt"

	"github.com/alexa-harness/harness/internal/changepoint"
)

func Example() {
	// Nightly p99 latency in ms: 20 runs near 50, then 20 runs near 65.
	var p99 []float64
	for i := range 40 {
		v := 50 + float64(i%5) - 2
		if i >= 20 {
			v += 15
		}
		p99 = append(p99, v)
	}
	cps, err := changepoint.Detect(p99)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, cp := range cps {
		fmt.Printf("shift at run %d: %.1f → %.1f ms (p = %.3f)\n", cp.Index, cp.Before, cp.After, cp.P)
	}
	// Output:
	// shift at run 20: 50.0 → 65.0 ms (p = 0.005)
}
