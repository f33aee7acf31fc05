// Package changepoint finds where persistent shifts begin in a history of a
// metric (one value per run, oldest first): the nightly question "since when
// is it slower?".
//
// It implements E-divisive with means, the hierarchical divisive estimator of
// Matteson, D. S. and James, N. A. (2014), "A Nonparametric Approach for
// Multiple Change Point Analysis of Multivariate Data", Journal of the
// American Statistical Association 109(505):334–345, doi:10.1080/01621459.2013.849605
// — the method Apache Otava (formerly Hunter, Fleming et al. 2023, "Hunter:
// Using Change Point Detection to Hunt for Performance Regressions", ICPE) and
// MongoDB's signal processing service (Daly et al. 2020, ICPE) run over
// performance-test histories.
//
// For a segment Z and a split τ into X = Z[:τ] and Y = Z[τ:], the divergence
// statistic with exponent α = 1 is
//
//	Q(X, Y) = m·n/(m+n) · ( 2/(m·n)·Σ|Xi−Yj| − Σi<k|Xi−Xk|/C(m,2) − Σj<k|Yj−Yk|/C(n,2) ).
//
// The best split of each segment maximises Q; the segment whose best split
// has the largest Q proposes the next change point, which is accepted when a
// permutation test (observations shuffled within each current segment,
// paper §3.3) gives p ≤ the significance level; the search stops at the first
// rejected proposal. As in Hunter, Y runs to the end of its segment (the
// paper's κ fixed at the segment end), which suits step changes in a metric;
// because a split found while Y still spans a later change can sit a little
// off, each accepted location is then re-estimated within the segment between
// its neighbours (a local refinement this package adds).
//
// The series is univariate, so the sums of distances are kept with Fenwick
// trees over ranks: one scan of a segment costs O(n log n) time and O(n)
// memory, never the O(n²) distance matrix. Permutations use a seeded
// math/rand/v2 PCG source, so results are reproducible, and their number is
// bounded. Inputs are bounded to MaxPoints values.
package changepoint

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// MaxPoints bounds the length of a series.
const MaxPoints = 10_000

// MaxPermutations bounds the permutations of one significance test.
const MaxPermutations = 10_000

// Defaults for the options.
const (
	DefaultSignificance = 0.01
	DefaultPermutations = 199
	DefaultMinSize      = 3
	DefaultSeed         = 1
)

// ChangePoint is one detected persistent shift.
type ChangePoint struct {
	// Index is the position of the first value of the new regime.
	Index int
	// Q is the divergence statistic of the split when it was accepted.
	Q float64
	// P is the permutation p-value of the split.
	P float64
	// Before and After are the means of the segments either side of Index in
	// the final segmentation.
	Before, After float64
}

// Option configures Detect.
type Option func(*config) error

type config struct {
	sig     float64
	perms   int
	minSize int
	seed    uint64
}

// WithSignificance sets the p-value at or below which a change point is
// accepted (default 0.01); 0 < p < 1. It must be at least 1/(permutations+1)
// for any change to be found.
func WithSignificance(p float64) Option {
	return func(c *config) error {
		if math.IsNaN(p) || p <= 0 || p >= 1 {
			return fmt.Errorf("changepoint: significance %v out of range: use a p-value in (0, 1), e.g. 0.01", p)
		}
		c.sig = p
		return nil
	}
}

// WithPermutations sets the number of permutations per test (default 199, at
// most MaxPermutations).
func WithPermutations(n int) Option {
	return func(c *config) error {
		if n < 1 || n > MaxPermutations {
			return fmt.Errorf("changepoint: permutations %d out of range: use 1 to %d, e.g. 199", n, MaxPermutations)
		}
		c.perms = n
		return nil
	}
}

// WithMinSize sets the fewest values a segment may have (default 3, at least 2).
func WithMinSize(n int) Option {
	return func(c *config) error {
		if n < 2 || n > MaxPoints/2 {
			return fmt.Errorf("changepoint: minimum segment size %d out of range: use 2 to %d, e.g. 3", n, MaxPoints/2)
		}
		c.minSize = n
		return nil
	}
}

// WithSeed sets the seed of the permutation test's random source (default 1).
func WithSeed(seed uint64) Option {
	return func(c *config) error { c.seed = seed; return nil }
}

// ErrTooLong is returned for a series longer than MaxPoints.
var ErrTooLong = errors.New("changepoint: series too long")

// Detect returns the change points of series in order of index. A series
// shorter than two minimum segments has none.
func Detect(series []float64, opts ...Option) ([]ChangePoint, error) {
	c := config{sig: DefaultSignificance, perms: DefaultPermutations, minSize: DefaultMinSize, seed: DefaultSeed}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	if len(series) > MaxPoints {
		return nil, fmt.Errorf("%w: %d values, the limit is %d: detect over a shorter window of runs", ErrTooLong, len(series), MaxPoints)
	}
	for i, v := range series {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("changepoint: value %d is %v: every value must be a finite number", i, v)
		}
	}
	d := detector{cfg: c, rng: rand.New(rand.NewPCG(c.seed, 0x65646976)), scratch: newScanner(len(series))}
	found := d.run(series)
	sort.Slice(found, func(i, j int) bool { return found[i].Index < found[j].Index })
	// Means either side in the final segmentation.
	bounds := []int{0}
	for _, cp := range found {
		bounds = append(bounds, cp.Index)
	}
	bounds = append(bounds, len(series))
	for i := range found {
		found[i].Before = mean(series[bounds[i]:bounds[i+1]])
		found[i].After = mean(series[bounds[i+1]:bounds[i+2]])
	}
	return found, nil
}

// Indexes returns the Index of each change point.
func Indexes(cps []ChangePoint) []int {
	out := make([]int, len(cps))
	for i, cp := range cps {
		out[i] = cp.Index
	}
	return out
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

type detector struct {
	cfg     config
	rng     *rand.Rand
	scratch *scanner
}

// run performs the hierarchical divisive search.
func (d *detector) run(series []float64) []ChangePoint {
	var found []ChangePoint
	bounds := []int{0, len(series)} // sorted segment boundaries
	work := make([]float64, len(series))
	for {
		idx, q := d.best(series, bounds)
		if idx < 0 {
			return found
		}
		p := d.pvalue(series, bounds, q, work)
		if p > d.cfg.sig {
			return found
		}
		found = append(found, ChangePoint{Index: idx, Q: q, P: p})
		bounds = append(bounds, idx)
		sort.Ints(bounds)
		d.refine(series, bounds, found)
	}
}

// refine re-estimates each accepted change point within the segment between
// its neighbours. A split found while Y still ran past a later change (κ fixed
// at the segment end) can sit a little off; once that later change is known
// the neighbours' segment isolates the step. At most maxRefine passes.
func (d *detector) refine(z []float64, bounds []int, found []ChangePoint) {
	const maxRefine = 10
	for range maxRefine {
		moved := false
		for i := 1; i+1 < len(bounds); i++ {
			lo, hi := bounds[i-1], bounds[i+1]
			tau, _ := d.scratch.bestSplit(z[lo:hi], d.cfg.minSize)
			if tau < 0 || lo+tau == bounds[i] {
				continue
			}
			for k := range found {
				if found[k].Index == bounds[i] {
					found[k].Index = lo + tau
				}
			}
			bounds[i] = lo + tau
			moved = true
		}
		if !moved {
			return
		}
	}
}

// best returns the split with the largest Q over all segments, or -1.
func (d *detector) best(z []float64, bounds []int) (int, float64) {
	bestIdx, bestQ := -1, math.Inf(-1)
	for s := 0; s+1 < len(bounds); s++ {
		lo, hi := bounds[s], bounds[s+1]
		tau, q := d.scratch.bestSplit(z[lo:hi], d.cfg.minSize)
		if tau >= 0 && q > bestQ {
			bestIdx, bestQ = lo+tau, q
		}
	}
	return bestIdx, bestQ
}

// pvalue is the permutation test of paper §3.3: shuffle within each current
// segment, recompute the largest Q, and count how often it reaches q. It stops
// early once the p-value cannot fall to the significance level.
func (d *detector) pvalue(z []float64, bounds []int, q float64, work []float64) float64 {
	r := d.cfg.perms
	limit := int(math.Floor(d.cfg.sig*float64(r+1))) - 1 // largest count still significant
	exceed := 0
	copy(work, z)
	// A shuffle within a segment moves values, not their ranks within it: in
	// a segment without ties each value's rank is fixed, so it is computed
	// once and shuffled along with the value, sparing bestSplit a sort per
	// permutation. A segment with ties is ranked afresh (sorted) every time,
	// as before, so that every Q is computed exactly as without this shortcut.
	rank := make([]int, len(z))
	distinct := make([]bool, len(bounds)-1)
	for s := 0; s+1 < len(bounds); s++ {
		lo, hi := bounds[s], bounds[s+1]
		distinct[s] = d.scratch.ranks(work[lo:hi], rank[lo:hi])
	}
	for i := 0; i < r; i++ {
		for s := 0; s+1 < len(bounds); s++ {
			seg, sr := work[bounds[s]:bounds[s+1]], rank[bounds[s]:bounds[s+1]]
			d.rng.Shuffle(len(seg), func(a, b int) {
				seg[a], seg[b] = seg[b], seg[a]
				sr[a], sr[b] = sr[b], sr[a]
			})
		}
		if _, qp := d.bestRanked(work, rank, distinct, bounds); qp >= q {
			exceed++
			if exceed > limit {
				return float64(exceed+1) / float64(i+2) // early stop: cannot be significant
			}
		}
	}
	return float64(exceed+1) / float64(r+1)
}

// bestRanked is best over a permutation's segments, using the carried ranks
// of the segments marked distinct.
func (d *detector) bestRanked(z []float64, rank []int, distinct []bool, bounds []int) (int, float64) {
	bestIdx, bestQ := -1, math.Inf(-1)
	for s := 0; s+1 < len(bounds); s++ {
		lo, hi := bounds[s], bounds[s+1]
		var tau int
		var q float64
		if distinct[s] {
			tau, q = d.scratch.splitRanked(z[lo:hi], rank[lo:hi], d.cfg.minSize)
		} else {
			tau, q = d.scratch.bestSplit(z[lo:hi], d.cfg.minSize)
		}
		if tau >= 0 && q > bestQ {
			bestIdx, bestQ = lo+tau, q
		}
	}
	return bestIdx, bestQ
}

// scanner holds reusable buffers for bestSplit.
type scanner struct {
	order      []int
	rank       []int
	left       []float64 // within-sum of z[:t] for t = 0..n
	cnt        []int
	sum        []float64
	sortedVals []float64
}

func newScanner(n int) *scanner {
	return &scanner{
		order: make([]int, n), rank: make([]int, n), left: make([]float64, n+1),
		cnt: make([]int, n+1), sum: make([]float64, n+1), sortedVals: make([]float64, n),
	}
}

// bestSplit returns the τ (minSize ≤ τ ≤ n−minSize) maximising Q(z[:τ], z[τ:]).
func (s *scanner) bestSplit(z []float64, minSize int) (int, float64) {
	n := len(z)
	if n < 2*minSize {
		return -1, 0
	}
	rank := s.rank[:n]
	s.ranks(z, rank)
	return s.splitRanked(z, rank, minSize)
}

// ranks sets rank[i] to the 1-based position of z[i] in z sorted ascending
// (ties in the sort's order) and reports whether z's values are distinct
// (then the ranks depend on the values only, not on their order in z).
func (s *scanner) ranks(z []float64, rank []int) bool {
	n := len(z)
	order := s.order[:n]
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return z[order[a]] < z[order[b]] })
	distinct := true
	for r, i := range order {
		rank[i] = r + 1 // Fenwick trees are 1-based
		if r > 0 && z[order[r-1]] == z[i] {
			distinct = false
		}
	}
	return distinct
}

// splitRanked is bestSplit given rank, z's ranks as ranks sets them.
func (s *scanner) splitRanked(z []float64, rank []int, minSize int) (int, float64) {
	n := len(z)
	if n < 2*minSize {
		return -1, 0
	}
	left := s.left[:n+1]
	s.within(z, rank, func(t int, w float64) { left[t] = w }, false)
	total := left[n]
	bestTau, bestQ := -1, math.Inf(-1)
	s.within(z, rank, func(t int, b float64) {
		// b is the within-sum of z[n-t:], the right part for τ = n−t.
		tau := n - t
		if tau < minSize || t < minSize {
			return
		}
		a := left[tau]
		cross := total - a - b
		m, k := float64(tau), float64(t)
		e := 2*cross/(m*k) - a/(m*(m-1)/2) - b/(k*(k-1)/2)
		q := m * k / (m + k) * e
		if q > bestQ {
			bestTau, bestQ = tau, q
		}
	}, true)
	return bestTau, bestQ
}

// within walks z forwards (or backwards) and reports, after each added value,
// the sum of |zi − zk| over the pairs added so far, keyed by how many values
// have been added.
func (s *scanner) within(z []float64, rank []int, report func(t int, w float64), backwards bool) {
	n := len(z)
	cnt, sum := s.cnt[:n+1], s.sum[:n+1]
	clear(cnt)
	clear(sum)
	w, totalSum := 0.0, 0.0
	report(0, 0)
	for t := 1; t <= n; t++ {
		i := t - 1
		if backwards {
			i = n - t
		}
		v, r := z[i], rank[i]
		// Prefix over ranks ≤ r: values ≤ v among those added.
		cl, sl := 0, 0.0
		for j := r; j > 0; j -= j & -j {
			cl += cnt[j]
			sl += sum[j]
		}
		added := t - 1
		w += v*float64(cl) - sl + (totalSum - sl) - v*float64(added-cl)
		for j := r; j <= n; j += j & -j {
			cnt[j]++
			sum[j] += v
		}
		totalSum += v
		report(t, w)
	}
}
