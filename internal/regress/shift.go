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
	return shiftInterval(x, y, confidence, criticalK)
}

// critFunc computes k and the coverage for sample sizes m, n and level alpha
// (criticalK, or a caller's memo of it).
type critFunc func(m, n int, alpha float64) (int64, float64)

// criticalMemo returns criticalK memoised by (m, n, alpha), for a caller that
// computes many intervals on samples of the same sizes (Compare: every series
// of a run has the same number of intervals). The exact k costs Θ(m²n²) and
// depends on nothing else, so each distinct size is computed once per memo.
func criticalMemo() critFunc {
	type mk struct {
		m, n  int
		alpha float64
	}
	type mv struct {
		k     int64
		cover float64
	}
	memo := map[mk]mv{}
	return func(m, n int, alpha float64) (int64, float64) {
		key := mk{m, n, alpha}
		if v, ok := memo[key]; ok {
			return v.k, v.cover
		}
		k, cover := criticalK(m, n, alpha)
		memo[key] = mv{k, cover}
		return k, cover
	}
}

func shiftInterval(x, y []float64, confidence float64, crit critFunc) ShiftEstimate {
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
		lower := kthDiff(xs, ys, total/2)
		est.Shift = (lower + nextDiff(xs, ys, total/2, lower)) / 2
	}
	alpha := 1 - confidence
	k, cover := crit(m, n, alpha)
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

// kthDiff returns the k-th smallest (1-based) difference y[j] − x[i]: the
// smallest float64 t (in the order of orderKey) with at least k differences
// ≤ t, by bisection over the float64 order. Once the bracket holds at most
// m+n differences they are listed and the k-th picked directly, which spares
// the bisection's last few dozen O(m+n) steps and gives the same bits
// (including a zero's sign: −0 when the bracket reaches below zero).
func kthDiff(xs, ys []float64, k int64) float64 {
	m, n := len(xs), len(ys)
	lo := orderKey(ys[0] - xs[m-1])
	hi := orderKey(ys[n-1] - xs[0])
	// below counts the differences ≤ belowT (none before lo first moves up),
	// atHi those ≤ fromKey(hi): the bracket holds atHi − below of them.
	below, atHi := int64(0), int64(m)*int64(n)
	belowT, lowered := 0.0, false
	for lo < hi {
		if atHi-below <= int64(m+n) {
			if d, ok := pickDiff(xs, ys, k-below, fromKey(hi), belowT, lowered, atHi-below); ok {
				if d == 0 { // the bisection's zero: −0 when the bracket holds it
					if lo <= orderKey(math.Copysign(0, -1)) {
						return math.Copysign(0, -1)
					}
					return 0
				}
				return d
			}
		}
		mid := lo + (hi-lo)/2
		t := fromKey(mid)
		if c := countLE(xs, ys, t); c >= k {
			hi, atHi = mid, c
		} else {
			lo, below, belowT, lowered = mid+1, c, t, true
		}
	}
	return fromKey(lo)
}

// pickDiff lists the differences d with d ≤ hiT (and d > belowT when lowered),
// of which there are want, and returns the r-th smallest (1-based); ok is
// false if the list does not hold exactly want values (never expected: the
// caller then goes on bisecting).
func pickDiff(xs, ys []float64, r int64, hiT, belowT float64, lowered bool, want int64) (float64, bool) {
	m := len(xs)
	ds := make([]float64, 0, want)
	p1, p2 := 0, 0
	for _, y := range ys {
		for p1 < m && y-xs[p1] > hiT {
			p1++
		}
		if !lowered {
			p2 = m
		} else {
			for p2 < m && y-xs[p2] > belowT {
				p2++
			}
		}
		for p := p1; p < p2; p++ {
			ds = append(ds, y-xs[p])
		}
	}
	if int64(len(ds)) != want || r < 1 || r > want {
		return 0, false
	}
	sort.Float64s(ds)
	return ds[r-1], true
}

// nextDiff returns the (k+1)-th smallest difference y[j] − x[i] given v, the
// k-th, with one O(m+n) pass instead of a second bisection: it is v again when
// more than k differences are ≤ v, otherwise the smallest difference > v
// (for each y[j], the one with the largest x[i] still giving more than v).
// The result is the value kthDiff(xs, ys, k+1) returns, bit for bit (a zero
// found above a negative v is −0, as kthDiff's bisection over the float64
// order yields).
func nextDiff(xs, ys []float64, k int64, v float64) float64 {
	var c int64
	p := 0
	m := len(xs)
	w, found := 0.0, false
	for _, y := range ys {
		for p < m && y-xs[p] > v {
			p++
		}
		c += int64(m - p)
		if p > 0 {
			if d := y - xs[p-1]; !found || d < w {
				w, found = d, true
			}
		}
	}
	if c >= k+1 || !found {
		return v
	}
	if w == 0 {
		return math.Copysign(0, -1)
	}
	return w
}
