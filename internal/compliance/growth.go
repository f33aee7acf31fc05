package compliance

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// The C4 growth test for a client whose policy is unknown (certification).
// The figures behind these constants are in docs/certify.md ("C4 for a client
// we did not write") and are checked by TestGrowthFalseFailRate.
const (
	// GrowthAlpha is the level of the one-sided trend test: a client whose
	// gaps do not grow (constant delay, jittered or not) passes with
	// probability at most GrowthAlpha.
	GrowthAlpha = 0.01
	// GrowthMinGaps is the least number of retry gaps graded. At this n a
	// correct exponential client (full jitter, equal jitter or none; 3 or 5
	// attempts; the bases and caps of docs/certify.md) fails with
	// probability below 1/1000.
	GrowthMinGaps = 200
	// growthMaxGaps bounds the gaps graded (the first ones are used).
	growthMaxGaps = 1 << 20
)

// GrowthResult is the verdict of GrowthTest.
type GrowthResult struct {
	// N is the number of retry gaps graded, Chains the number of chains
	// that had at least one, First the number of first-retry gaps among
	// them.
	N, Chains, First int
	// Indexes is the number of distinct retry numbers seen (a chain of m
	// attempts has gaps before retries 1..m−1).
	Indexes int
	// Tau is Kendall's τ-b between "a later retry" (0 for the first retry,
	// 1 for any later one) and the gap, −1..1; > 0 when later gaps are
	// longer.
	Tau float64
	// Statistic is the standardised score Z = S/√Var(S) (tie corrected);
	// PValue is the one-sided P(Z ≥ observed) when gaps do not depend on
	// the retry number.
	Statistic, PValue float64
	// Alpha is the level used.
	Alpha float64
	// Enough: N ≥ GrowthMinGaps, with first and later retries both seen.
	// Without enough evidence the test neither passes nor fails.
	Enough bool
	// Pass: Enough and PValue ≤ Alpha (the gaps grow).
	Pass bool
	// Reason says why, in one line with the figures.
	Reason string
}

// GrowthTest grades C4 for a client whose base, cap and jitter are unknown:
// do its retry gaps grow after the first retry? chains holds each attempt
// chain's gaps in attempt order (chains[c][k] is the wait before retry k+1;
// for a journal, from the answer's time to the next attempt's arrival).
// alpha is the level (0 < alpha < 0.5; 0 means GrowthAlpha).
//
// The test is a one-sided rank test: Kendall's τ between the gap and the
// indicator "later retry" over every gap pooled (which is the
// Mann–Whitney–Wilcoxon rank-sum test of first-retry gaps against later
// ones), with the tie-corrected null variance of Kendall's S and its normal
// approximation. Ranks make it scale free, so it needs no base or cap: full
// jitter, equal jitter and plain exponential back-off pass, however early
// their cap; a constant delay, jittered or not, and a shrinking one fail.
// When gaps do not depend on the retry number a client passes with
// probability at most alpha. Why this and not the full Mann–Kendall trend
// over every retry number: docs/certify.md.
func GrowthTest(chains [][]time.Duration, alpha float64) GrowthResult {
	return growthTest(chains, alpha, GrowthMinGaps)
}

func growthTest(chains [][]time.Duration, alpha float64, minGaps int) GrowthResult {
	if alpha == 0 {
		alpha = GrowthAlpha
	}
	r := GrowthResult{Alpha: alpha, PValue: 1}
	if math.IsNaN(alpha) || alpha <= 0 || alpha >= 0.5 {
		r.Reason = fmt.Sprintf("alpha %v out of range: use 0 < alpha < 0.5", alpha)
		return r
	}
	// Group 0: gaps before the first retry; group 1: before any later one.
	groups := [][]float64{nil, nil}
	longest := 0 // chains' gaps are indexes 0, 1, …: the distinct indexes are those of the longest
	for _, ch := range chains {
		if len(ch) == 0 || r.N >= growthMaxGaps {
			continue
		}
		r.Chains++
		for k, g := range ch {
			if r.N >= growthMaxGaps {
				break
			}
			longest = max(longest, k+1)
			groups[min(k, 1)] = append(groups[min(k, 1)], float64(g))
			r.N++
		}
	}
	r.Indexes, r.First = longest, len(groups[0])
	if r.N < minGaps || len(groups[0]) == 0 || len(groups[1]) == 0 {
		r.Reason = fmt.Sprintf("not enough evidence: %d gaps (%d before a first retry, %d before later ones); need at least %d, with both kinds",
			r.N, len(groups[0]), len(groups[1]), minGaps)
		return r
	}
	r.Enough = true
	s, v, tau := kendall(groups, r.N)
	r.Tau = tau
	if v > 1e-9*float64(r.N)*float64(r.N)*float64(r.N) { // v is 0 (up to rounding) when every gap is equal
		r.Statistic = s / math.Sqrt(v)
		r.PValue = 0.5 * math.Erfc(r.Statistic/math.Sqrt2)
	}
	r.Pass = r.PValue <= alpha
	verdict, cmp := "gaps grow after the first retry", "≤"
	if !r.Pass {
		verdict, cmp = "gaps do not grow after the first retry (constant or shrinking delay)", ">"
	}
	r.Reason = fmt.Sprintf("%s: Kendall τ %.3f, Z %.2f, one-sided p %.2g %s α %.3g (n=%d gaps in %d chains)",
		verdict, r.Tau, r.Statistic, r.PValue, cmp, alpha, r.N, r.Chains)
	return r
}

// kendall returns Kendall's S between group index and value, its null
// variance with ties in both variables, and τ-b. n is the total count. It
// sorts each group in place (the caller's scratch): sorted groups give S by
// merging, O(n) per pair of groups, and the ties of the values by a k-way
// merge, with no further copy or sort.
func kendall(groups [][]float64, n int) (s, v, tau float64) {
	all := make([]float64, 0, n)
	for _, g := range groups {
		slices.Sort(g)
		all = mergeSorted(all, g)
	}
	// S = Σ over pairs in different groups a < b of sign(y_b − y_a): for each
	// y in group b, the values of group a below y minus those above it.
	for a, ga := range groups {
		for _, gb := range groups[a+1:] {
			lo, hi := 0, 0 // values of ga < y, ≤ y (both grow with y)
			for _, y := range gb {
				for lo < len(ga) && ga[lo] < y {
					lo++
				}
				hi = max(hi, lo)
				for hi < len(ga) && ga[hi] <= y {
					hi++
				}
				s += float64(lo) - float64(len(ga)-hi)
			}
		}
	}
	// Tie groups: t over the group index (x), u over the values (y).
	var tx, ty []float64
	for _, g := range groups {
		if len(g) > 0 {
			tx = append(tx, float64(len(g)))
		}
	}
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j] == all[i] {
			j++
		}
		ty = append(ty, float64(j-i))
		i = j
	}
	N := float64(n)
	f := func(t float64) float64 { return t * (t - 1) * (2*t + 5) }
	sum := func(ts []float64, g func(float64) float64) (z float64) {
		for _, t := range ts {
			z += g(t)
		}
		return z
	}
	p2 := func(t float64) float64 { return t * (t - 1) }
	p3 := func(t float64) float64 { return t * (t - 1) * (t - 2) }
	v = (f(N)-sum(tx, f)-sum(ty, f))/18 +
		sum(tx, p3)*sum(ty, p3)/(9*N*(N-1)*(N-2)) +
		sum(tx, p2)*sum(ty, p2)/(2*N*(N-1))
	n0 := N * (N - 1) / 2
	if d := (n0 - sum(tx, p2)/2) * (n0 - sum(ty, p2)/2); d > 0 {
		tau = s / math.Sqrt(d)
	}
	return s, v, tau
}

// mergeSorted appends the ascending values of b to the ascending dst,
// keeping it ascending (dst needs capacity for b to merge without a copy).
func mergeSorted(dst, b []float64) []float64 {
	i := len(dst) - 1
	dst = append(dst, b...)
	for j, k := len(b)-1, len(dst)-1; j >= 0; k-- {
		if i >= 0 && dst[i] > b[j] {
			dst[k] = dst[i]
			i--
		} else {
			dst[k] = b[j]
			j--
		}
	}
	return dst
}
