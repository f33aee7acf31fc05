package reports

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/alexa-harness/harness/internal/humanfmt"
	"github.com/alexa-harness/harness/internal/timeseries"
)

// Chart size in points (the page scales it to its width).
const chartW, chartH = 500, 250

// seriesOrigin is the time the x axes count from.
func seriesOrigin(r LoadReport, all []timeseries.Interval) time.Time {
	if !r.Summary.Started.IsZero() {
		return r.Summary.Started
	}
	if len(all) > 0 {
		return all[0].Start
	}
	return time.Time{}
}

// loadCharts draws the time-series charts and, for a step ramp, the
// capacity chart.
func loadCharts(r LoadReport) ([]chart, error) {
	var out []chart
	all, per := downsample(allRows(r.Series), maxChartPoints)
	if len(all) > 0 {
		t0 := seriesOrigin(r, all)
		x0 := make([]float64, len(all))
		x1 := make([]float64, len(all))
		for i, iv := range all {
			x0[i] = iv.Start.Sub(t0).Seconds()
			x1[i] = x0[i] + iv.Seconds
		}
		for _, f := range []func(LoadReport, []timeseries.Interval, []float64, []float64) (chart, error){
			latencyChart, throughputChart, mixChart, opP99Chart, lagChart,
		} {
			c, err := f(r, all, x0, x1)
			if err != nil {
				return nil, err
			}
			if c.SVG != "" {
				if per > 1 {
					c.Note = strings.TrimSpace(c.Note + fmt.Sprintf(" Each point covers %d intervals: counts are summed, latencies and lag are the worst of the %d.", per, per))
				}
				out = append(out, c)
			}
		}
	}
	if len(r.Summary.Steps) > 0 {
		c, err := capacityChart(r)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// perSecond is n per second over an interval of secs, NaN (a gap in the
// line) for an interval shorter than floor (timeseries.RateFloor): a count
// over a few milliseconds is no rate.
func perSecond(n int64, secs, floor float64) float64 {
	if secs <= 0 || secs < floor {
		return math.NaN()
	}
	return float64(n) / secs
}

func latencyChart(_ LoadReport, all []timeseries.Interval, _, x1 []float64) (chart, error) {
	c := chart{ID: "chart-latency", Title: "Latency percentiles over time (all operations)",
		Desc: "p50, p90, p99 and maximum latency of the answered hits of each interval, in milliseconds, measured from each hit's intended send time; gaps are intervals with no answer."}
	p := newPlot("time since start (s)", "latency (ms)")
	get := []func(timeseries.Interval) float64{
		func(iv timeseries.Interval) float64 { return iv.P50 },
		func(iv timeseries.Interval) float64 { return iv.P90 },
		func(iv timeseries.Interval) float64 { return iv.P99 },
		func(iv timeseries.Interval) float64 { return iv.Max },
	}
	series := []chartSeries{{Name: "p50", Color: palette[2]}, {Name: "p90", Color: palette[0]}, {Name: "p99", Color: palette[3]}, {Name: "max", Color: "#777777", Dashed: true}}
	for k, s := range series {
		ys := make([]float64, len(all))
		for i, iv := range all {
			ys[i] = math.NaN()
			if iv.Answered > 0 {
				ys[i] = get[k](iv) * 1e3
			}
		}
		addLine(p, s, x1, ys)
	}
	c.Legend = series
	svg, err := renderSVG(p, c.ID, c.Title, chartW, chartH)
	c.SVG = svg
	return c, err
}

func throughputChart(r LoadReport, all []timeseries.Interval, _, x1 []float64) (chart, error) {
	c := chart{ID: "chart-throughput", Title: "Throughput: offered vs achieved",
		Desc: "Hits per second in each interval: offered by the pacer, sent by the generator, answered by the target (achieved), and offered but never sent."}
	p := newPlot("time since start (s)", "hits per second")
	series := []chartSeries{{Name: "offered", Color: "#555555", Dashed: true}, {Name: "sent", Color: palette[5]}, {Name: "achieved (answered)", Color: palette[0]}, {Name: "not sent", Color: palette[3]}}
	get := []func(timeseries.Interval) int64{
		func(iv timeseries.Interval) int64 { return iv.Offered },
		func(iv timeseries.Interval) int64 { return iv.Sent },
		func(iv timeseries.Interval) int64 { return iv.Answered },
		func(iv timeseries.Interval) int64 { return iv.NotSent },
	}
	floor := timeseries.RateFloor(all)
	var anyNotSent bool
	for _, iv := range all {
		anyNotSent = anyNotSent || iv.NotSent > 0
	}
	for k, s := range series {
		if k == 3 && !anyNotSent {
			continue
		}
		ys := make([]float64, len(all))
		for i, iv := range all {
			ys[i] = perSecond(get[k](iv), iv.Seconds, floor)
		}
		addLine(p, s, x1, ys)
		c.Legend = append(c.Legend, s)
	}
	addStepMarks(p, r)
	svg, err := renderSVG(p, c.ID, c.Title, chartW, chartH)
	c.SVG = svg
	return c, err
}

// addStepMarks marks the start of each step of a step ramp (up to 16).
func addStepMarks(p *plot.Plot, r LoadReport) {
	steps := r.Summary.Steps
	if len(steps) == 0 || len(steps) > 16 {
		return
	}
	for _, st := range steps {
		p.Add(&vline{X: st.Start.Seconds(), Label: humanfmt.Rate(st.Rate), Color: color.Gray{Y: 150}})
	}
}

// mix layers, in stacking order.
var mixLayers = []chartSeries{
	{Name: "2xx", Color: palette[2]},
	{Name: "429 throttled", Color: palette[1]},
	{Name: "other 4xx", Color: palette[4]},
	{Name: "5xx", Color: palette[3]},
	{Name: "other status", Color: "#999999"},
	{Name: "transport error", Color: "#222222"},
	{Name: "not sent", Color: palette[5]},
}

func mixLayer(status string) int {
	code, err := strconv.Atoi(status)
	switch {
	case err != nil:
		return 4
	case code >= 200 && code < 300:
		return 0
	case code == 429:
		return 1
	case code >= 400 && code < 500:
		return 2
	case code >= 500 && code < 600:
		return 3
	}
	return 4
}

func mixChart(_ LoadReport, all []timeseries.Interval, x0, x1 []float64) (chart, error) {
	c := chart{ID: "chart-mix", Title: "Status and error mix over time",
		Desc: "Outcomes per second in each interval, stacked: answers by status class, hits that got no answer (transport errors) and hits offered but not sent."}
	p := newPlot("time since start (s)", "hits per second")
	layers := make([][]float64, len(mixLayers))
	for k := range layers {
		layers[k] = make([]float64, len(all))
	}
	used := make([]bool, len(mixLayers))
	floor := timeseries.RateFloor(all)
	for i, iv := range all {
		if iv.Seconds <= 0 || iv.Seconds < floor {
			continue // no rate from a few milliseconds: an empty bar
		}
		for st, n := range iv.Statuses {
			k := mixLayer(st)
			layers[k][i] += float64(n) / iv.Seconds
			used[k] = used[k] || n > 0
		}
		var errs int64
		for _, n := range iv.Errors {
			errs += n
		}
		layers[5][i] = float64(errs) / iv.Seconds
		layers[6][i] = float64(iv.NotSent) / iv.Seconds
		used[5] = used[5] || errs > 0
		used[6] = used[6] || iv.NotSent > 0
	}
	sb := &stackedBars{X0: x0, X1: x1}
	for k, s := range mixLayers {
		if !used[k] {
			continue
		}
		sb.Layers = append(sb.Layers, layers[k])
		sb.Colors = append(sb.Colors, rgb(s.Color))
		c.Legend = append(c.Legend, s)
	}
	if len(sb.Layers) == 0 {
		c.Note = "Nothing was answered, failed or left unsent in any interval."
	}
	p.Add(sb)
	svg, err := renderSVG(p, c.ID, c.Title, chartW, chartH)
	c.SVG = svg
	return c, err
}

func opP99Chart(r LoadReport, all []timeseries.Interval, _, _ []float64) (chart, error) {
	c := chart{ID: "chart-op-p99", Title: "p99 latency by operation",
		Desc: "The 99th percentile latency of each operation's answered hits per interval, in milliseconds."}
	byOp := map[string][]timeseries.Interval{}
	for _, iv := range r.Series {
		if iv.Operation != timeseries.AllOperations {
			byOp[iv.Operation] = append(byOp[iv.Operation], iv)
		}
	}
	for n, ivs := range byOp {
		sort.SliceStable(ivs, func(a, b int) bool { return ivs[a].Start.Before(ivs[b].Start) })
		byOp[n], _ = downsample(ivs, maxChartPoints)
	}
	if len(byOp) < 2 {
		return chart{}, nil // the latency chart already shows the one operation
	}
	names := make([]string, 0, len(byOp))
	for n := range byOp {
		names = append(names, n)
	}
	sort.Strings(names)
	t0 := seriesOrigin(r, all)
	p := newPlot("time since start (s)", "p99 latency (ms)")
	for i, n := range names {
		ivs := byOp[n]
		xs := make([]float64, len(ivs))
		ys := make([]float64, len(ivs))
		for j, iv := range ivs {
			xs[j] = iv.Start.Sub(t0).Seconds() + iv.Seconds
			ys[j] = math.NaN()
			if iv.Answered > 0 {
				ys[j] = iv.P99 * 1e3
			}
		}
		s := chartSeries{Name: n, Color: palette[i%len(palette)], Dashed: i >= len(palette)}
		addLine(p, s, xs, ys)
		c.Legend = append(c.Legend, s)
	}
	svg, err := renderSVG(p, c.ID, c.Title, chartW, chartH)
	c.SVG = svg
	return c, err
}

func lagChart(_ LoadReport, all []timeseries.Interval, _, x1 []float64) (chart, error) {
	c := chart{ID: "chart-lag", Title: "Generator health: schedule lag",
		Desc: "How late the generator sent hits against their intended time (p99 and maximum per interval, in milliseconds). A growing lag means the harness, not the target, was the bottleneck."}
	p := newPlot("time since start (s)", "schedule lag (ms)")
	series := []chartSeries{{Name: "lag p99", Color: palette[4]}, {Name: "lag max", Color: "#777777", Dashed: true}}
	p99 := make([]float64, len(all))
	mx := make([]float64, len(all))
	for i, iv := range all {
		p99[i], mx[i] = math.NaN(), math.NaN()
		if iv.Sent > 0 {
			p99[i], mx[i] = iv.LagP99*1e3, iv.LagMax*1e3
		}
	}
	addLine(p, series[0], x1, p99)
	addLine(p, series[1], x1, mx)
	c.Legend = series
	svg, err := renderSVG(p, c.ID, c.Title, chartW, chartH)
	c.SVG = svg
	return c, err
}

func capacityChart(r LoadReport) (chart, error) {
	s := r.Summary
	c := chart{ID: "chart-capacity", Title: "Capacity steps: offered vs achieved rate",
		Desc: "Each step of the ramp: the achieved rate against the offered rate. Steps that met the SLO are circles, steps that missed it are squares; the dashed diagonal is achieved = offered; the knee is the highest step that met the SLO."}
	p := newPlot("offered rate (hits/s)", "achieved rate (hits/s)")
	p.X.Min = 0
	var metX, metY, missX, missY []float64
	top := 0.0
	for _, st := range s.Steps {
		top = max(top, st.Rate, st.Achieved)
		if st.MetSLO {
			metX, metY = append(metX, st.Rate), append(metY, st.Achieved)
		} else {
			missX, missY = append(missX, st.Rate), append(missY, st.Achieved)
		}
	}
	ideal := chartSeries{Name: "achieved = offered", Color: "#999999", Dashed: true}
	addLine(p, ideal, []float64{0, top}, []float64{0, top})
	xs := make([]float64, len(s.Steps))
	ys := make([]float64, len(s.Steps))
	for i, st := range s.Steps {
		xs[i], ys[i] = st.Rate, st.Achieved
	}
	path := chartSeries{Name: "achieved", Color: palette[0]}
	addLine(p, path, xs, ys)
	met := chartSeries{Name: "met the SLO", Color: palette[2]}
	miss := chartSeries{Name: "missed the SLO", Color: palette[3]}
	addPoints(p, met, metX, metY, draw.CircleGlyph{}, vg.Points(5))
	addPoints(p, miss, missX, missY, draw.BoxGlyph{}, vg.Points(4.5))
	c.Legend = []chartSeries{path, met, miss, ideal}
	if k := findKnee(s, r.Secrets); k != nil && k.Found {
		p.Add(&vline{X: k.Rate, Label: "knee " + humanfmt.Rate(k.Rate), Color: rgb(palette[3])})
		c.Legend = append(c.Legend, chartSeries{Name: "knee (highest step that met the SLO)", Color: palette[3], Dashed: true})
	}
	svg, err := renderSVG(p, c.ID, c.Title, chartW, chartH)
	c.SVG = svg
	return c, err
}

// maxChartPoints bounds the points of a time chart, so that a long run
// (a night of one-second intervals) still makes a light page.
const maxChartPoints = 600

// downsample merges runs of consecutive intervals (sorted by start) so at
// most maxPoints remain: counts and statuses are summed, lengths added,
// percentiles, maxima and lag are the worst of the merged intervals (an
// upper envelope: percentiles cannot be merged exactly). It returns how
// many intervals each point covers.
func downsample(ivs []timeseries.Interval, maxPoints int) ([]timeseries.Interval, int) {
	if len(ivs) <= maxPoints {
		return ivs, 1
	}
	per := (len(ivs) + maxPoints - 1) / maxPoints
	out := make([]timeseries.Interval, 0, maxPoints)
	for i := 0; i < len(ivs); i += per {
		m := ivs[i].Clone()
		for _, iv := range ivs[i+1 : min(i+per, len(ivs))] {
			m.Seconds += iv.Seconds
			m.Absorb(iv)
		}
		if m.Seconds > 0 {
			m.AchievedRate = float64(m.Answered) / m.Seconds
		}
		out = append(out, m)
	}
	return out, per
}
