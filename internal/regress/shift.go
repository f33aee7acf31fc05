package regress

import (
	"math"
	"sort"

	"github.com/aclements/go-moremath/stats"
)

// exactLimit is the largest sample size for which the shift interval uses the
// exact Mann–Whitney distribution (matching go-moremath's exact U test limit
// without ties); larger samples use the normal approximation.
const exactLimit = 50

// ShiftEstimate is the Hodges–Lehmann estimate of the location shift
// candidate − baseline with its distribution-free confidence interval.
type ShiftEstimate struct {
	Shift, Lo, Hi float64
	// Confidence is the interval's actual coverage.
	Confidence float64
	// Bounded is false when the samples are too small for an interval at the
	// requested confidence (Lo and Hi are then the extreme differences).
	Bounded bool
}

// ShiftInterval returns the Hodges–Lehmann shift of y relative to x (the
// median of the m·n differences y[j] − x[i]) and the confidence interval
// [D(k), D(mn+1−k)] of those ordered differences, where k is the largest
// integer with 2·P(U ≤ k−1) ≤ 1 − confidence under the Mann–Whitney null
// distribution (Hollander & Wolfe, §4.3): exact for m, n ≤ 50, otherwise the
// normal approximation with continuity correction. Neither x nor y is
// modified. Differences are selected without materialising all m·n of them
// (bisection over the float64 order with an O(m+n) count per step), so memory
// stays O(m+n). x and y must be non-empty and finite.
func ShiftInterval(x, y []float64, confidence float64) ShiftEstimate {
	xs := append([]float64(nil), x...)
	ys := append([]float64(nil), y...)
	sort.Float64s(xs)
	sort.Float64s(ys)
	m, n := len(xs), len(ys)
	total := int64(m) * int64(n)
	var est ShiftEstimate
	if total%2 == 1 {
		est.Shift = kthDiff(xs, ys, (total+1)/2)
	} else {
		est.Shift = (kthDiff(xs, ys, total/2) + kthDiff(xs, ys, total/2+1)) / 2
	}
	alpha := 1 - confidence
	k, cover := criticalK(m, n, alpha)
	if k < 1 {
		est.Lo, est.Hi = kthDiff(xs, ys, 1), kthDiff(xs, ys, total)
		est.Confidence = 1
		return est
	}
	est.Lo = kthDiff(xs, ys, k)
	est.Hi = kthDiff(xs, ys, total+1-k)
	est.Confidence = cover
	est.Bounded = true
	return est
}

// criticalK returns k and the interval's coverage 1 − 2·P(U ≤ k−1).
func criticalK(m, n int, alpha float64) (int64, float64) {
	if m <= exactLimit && n <= exactLimit {
		return exactK(m, n, alpha)
	}
	return normalK(m, n, alpha)
}

// exactK uses the exact Mann–Whitney null distribution.
func exactK(m, n int, alpha float64) (int64, float64) {
	{
		// Largest u with 2·P(U ≤ u) ≤ alpha, by bisection (the CDF is
		// monotone and each evaluation costs Θ(m·n·u)); k = u + 1.
		d := stats.UDist{N1: m, N2: n}
		lo, hi := -1, m*n/2 // invariant: u=lo satisfies (or lo=-1), u=hi+1.. unknown
		for lo < hi {
			mid := lo + (hi-lo+1)/2
			if 2*d.CDF(float64(mid)) <= alpha {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		if lo < 0 {
			return 0, 1
		}
		k := int64(lo) + 1
		cover := 1 - 2*d.CDF(float64(lo))
		return k, cover
	}
}

// normalK uses the normal approximation with continuity correction.
func normalK(m, n int, alpha float64) (int64, float64) {
	mn := float64(m) * float64(n)
	sigma := math.Sqrt(mn * float64(m+n+1) / 12)
	z := stats.StdNormal.InvCDF(1 - alpha/2)
	k := int64(math.Floor(mn/2 - z*sigma + 0.5))
	if k < 1 {
		return 0, 1
	}
	cover := 1 - 2*stats.StdNormal.CDF((float64(k-1)+0.5-mn/2)/sigma)
	return k, cover
}

// orderKey maps a float64 to a uint64 with the same order.
func orderKey(f float64) uint64 {
	u := math.Float64bits(f)
	if u>>63 == 1 {
		return ^u
	}
	return u | 1<<63
}

func fromKey(u uint64) float64 {
	if u>>63 == 1 {
		return math.Float64frombits(u &^ (1 << 63))
	}
	return math.Float64frombits(^u)
}

// countLE counts pairs with y[j] − x[i] ≤ t; xs and ys are sorted ascending.
func countLE(xs, ys []float64, t float64) int64 {
	var c int64
	p := 0
	m := len(xs)
	for _, y := range ys {
		for p < m && y-xs[p] > t {
			p++
		}
		c += int64(m - p)
	}
	return c
}

// kthDiff returns the k-th smallest (1-based) difference y[j] − x[i].
func kthDiff(xs, ys []float64, k int64) float64 {
	lo := orderKey(ys[0] - xs[len(xs)-1])
	hi := orderKey(ys[len(ys)-1] - xs[0])
	for lo < hi {
		mid := lo + (hi-lo)/2
		if countLE(xs, ys, fromKey(mid)) >= k {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return fromKey(lo)
}
