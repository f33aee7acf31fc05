package changepoint

import "testing"

// BenchmarkDetectMax times Detect on a MaxPoints series with one step.
func BenchmarkDetectMax(b *testing.B) {
	z := history(1, 5, []float64{100, 110}, []int{MaxPoints / 2, MaxPoints / 2})
	for b.Loop() {
		cps, err := Detect(z)
		if err != nil || len(cps) == 0 {
			b.Fatalf("%v %v", cps, err)
		}
	}
}
