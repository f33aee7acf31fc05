package reports

import (
	"bytes"
	"fmt"
	"html"
	"image/color"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The charts of the HTML report are drawn in Go with gonum.org/v1/plot and
// its SVG backend (vgsvg) and inlined in the page: axes, ticks and scaling
// come from a maintained plotting library, and the page needs no script and
// no network to show them. Legends are HTML beside each chart (readable,
// selectable text that prints well), drawn in the same colours.

// chartSeries is one drawn series of a chart, and its legend entry.
type chartSeries struct {
	Name   string
	Color  string // CSS colour, the same in the SVG and the legend
	Dashed bool
}

// chart is one rendered chart of a report.
type chart struct {
	ID     string
	Title  string
	Desc   string // what the chart shows, for screen readers and print
	SVG    string // inline <svg> element, trusted (generated here)
	Legend []chartSeries
	Note   string
}

// palette is the Okabe–Ito colour-blind-safe palette.
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#222222"}

func rgb(hex string) color.Color {
	var r, g, b uint8
	if _, err := fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return color.Black
	}
	return color.RGBA{R: r, G: g, B: b, A: 255}
}

// newPlot returns a plot with the report's look: light grid, labelled axes.
func newPlot(xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(11.5)}
		a.Tick.Label.Font = font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(10.5)}
		a.Tick.Marker = niceTicks{}
		a.Color = color.Gray{Y: 120}
		a.Tick.Color = color.Gray{Y: 120}
	}
	p.X.Min, p.Y.Min = 0, 0
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 225}
	g.Horizontal.Color = color.Gray{Y: 225}
	p.Add(g)
	return p
}

// addLine adds a line series (points with NaN y are skipped by breaking
// the line into segments).
func addLine(p *plot.Plot, s chartSeries, xs, ys []float64) {
	var seg plotter.XYs
	flush := func() {
		if len(seg) == 0 {
			return
		}
		l, err := plotter.NewLine(seg)
		if err != nil {
			seg = nil
			return
		}
		l.Color = rgb(s.Color)
		l.Width = vg.Points(1.8)
		if s.Dashed {
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		p.Add(l)
		seg = nil
	}
	for i := range xs {
		if math.IsNaN(ys[i]) || math.IsInf(ys[i], 0) {
			flush()
			continue
		}
		seg = append(seg, plotter.XY{X: xs[i], Y: ys[i]})
	}
	flush()
}

// addPoints adds markers.
func addPoints(p *plot.Plot, s chartSeries, xs, ys []float64, shape draw.GlyphDrawer, radius vg.Length) {
	pts := make(plotter.XYs, 0, len(xs))
	for i := range xs {
		if !math.IsNaN(ys[i]) && !math.IsInf(ys[i], 0) {
			pts = append(pts, plotter.XY{X: xs[i], Y: ys[i]})
		}
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: rgb(s.Color), Radius: radius, Shape: shape}
	p.Add(sc)
}

// stackedBars draws, for each x span [X0, X1), stacked rectangles of the
// given layers' values: the status and error mix over time.
type stackedBars struct {
	X0, X1 []float64
	Layers [][]float64 // Layers[k][i]: layer k's value over span i
	Colors []color.Color
}

func (s *stackedBars) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	for i := range s.X0 {
		base := 0.0
		for k, layer := range s.Layers {
			v := layer[i]
			if !(v > 0) {
				continue
			}
			x0, x1 := trX(s.X0[i]), trX(s.X1[i])
			y0, y1 := trY(base), trY(base+v)
			base += v
			c.FillPolygon(s.Colors[k], c.ClipPolygonXY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}))
		}
	}
}

func (s *stackedBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	if len(s.X0) == 0 {
		return 0, 1, 0, 1
	}
	xmin, xmax = s.X0[0], s.X1[len(s.X1)-1]
	for i := range s.X0 {
		sum := 0.0
		for _, l := range s.Layers {
			if l[i] > 0 {
				sum += l[i]
			}
		}
		ymax = max(ymax, sum)
	}
	return xmin, xmax, 0, ymax
}

// vline is a vertical marker line at X with a label at the top.
type vline struct {
	X     float64
	Label string
	Color color.Color
}

func (v *vline) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, _ := plt.Transforms(&c)
	x := trX(v.X)
	if x < c.Min.X || x > c.Max.X {
		return
	}
	ls := draw.LineStyle{Color: v.Color, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	c.StrokeLine2(ls, x, c.Min.Y, x, c.Max.Y)
	if v.Label != "" {
		sty := plt.X.Tick.Label
		sty.Color = v.Color
		sty.Font.Size = vg.Points(11)
		sty.XAlign = draw.XLeft
		sty.YAlign = draw.YTop
		c.FillText(sty, vg.Point{X: x + vg.Points(3), Y: c.Max.Y - vg.Points(2)}, v.Label)
	}
}

// svgHeader matches what vgsvg writes before the <svg> element and the
// element's fixed size, which the page replaces by a responsive one.
var (
	svgProlog = regexp.MustCompile(`(?s)^.*?<svg `)
	svgSize   = regexp.MustCompile(`^<svg width="[^"]*" height="[^"]*"`)
)

// renderSVG draws p as an inline <svg> element of the given size in
// points, titled for assistive technology.
func renderSVG(p *plot.Plot, id, title string, w, h float64) (string, error) {
	c := vgsvg.NewWith(vgsvg.UseWH(vg.Points(w), vg.Points(h)))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("render chart %s: %w", id, err)
	}
	s := svgProlog.ReplaceAllString(buf.String(), "<svg ")
	s = svgSize.ReplaceAllString(s, fmt.Sprintf(`<svg class="chart" id="%s" role="img" aria-labelledby="%s-title" preserveAspectRatio="xMidYMid meet"`, id, id))
	// the accessible name goes first inside the element
	i := strings.Index(s, ">")
	if i < 0 {
		return "", fmt.Errorf("render chart %s: unexpected SVG output", id)
	}
	s = s[:i+1] + fmt.Sprintf(`<title id="%s-title">%s</title>`, id, html.EscapeString(title)) + s[i+1:]
	return s, nil
}

// niceTicks puts about six labelled ticks at 1, 2 or 5 × 10ⁿ steps.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	raw := (hi - lo) / 6
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
		if len(out) > 50 {
			break
		}
	}
	return out
}
