package compliance_test

import (
	"fmt"
	"time"

	"github.com/alexa-harness/harness/internal/compliance"
)

func ExampleGrowthTest() {
	// Gaps of a plain exponential client (base 0.5 s, cap 4 s, 5 attempts),
	// as measured from the mock's journal: 50 chains of 4 retries, a few
	// milliseconds of network delay on each.
	var chains [][]time.Duration
	for c := range 50 {
		var gaps []time.Duration
		for k := range 4 {
			ceiling := min(4*time.Second, 500*time.Millisecond<<k)
			gaps = append(gaps, ceiling+time.Duration((c*7+k*3)%5)*time.Millisecond)
		}
		chains = append(chains, gaps)
	}
	r := compliance.GrowthTest(chains, 0)
	fmt.Println(r.Pass, r.N)
	fmt.Println(r.Reason)

	// A constant 1 s delay.
	for c := range chains {
		for k := range chains[c] {
			chains[c][k] = time.Second
		}
	}
	r = compliance.GrowthTest(chains, 0)
	fmt.Println(r.Pass)
	fmt.Println(r.Reason)
	// Output:
	// true 200
	// gaps grow after the first retry: Kendall τ 0.628, Z 10.59, one-sided p 1.6e-26 ≤ α 0.01 (n=200 gaps in 50 chains)
	// false
	// gaps do not grow after the first retry (constant or shrinking delay): Kendall τ 0.000, Z 0.00, one-sided p 1 > α 0.01 (n=200 gaps in 50 chains)
}
