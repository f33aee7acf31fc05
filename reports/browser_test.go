package reports_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/alexa-harness/harness/reports"
)

// chromiumPath finds a Chromium or Chrome binary; "" when none is
// installed.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// screenshotDir is where the browser test keeps its screenshots:
// HARNESS_SCREENSHOT_DIR when set, else the test's temporary directory.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("HARNESS_SCREENSHOT_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// browserCheck opens page (a file) in headless Chromium and returns the
// console errors and exceptions it raised, the number of drawn elements
// (paths, lines, polylines, circles) inside each chart's <svg>, keyed by
// its id, and a full-page screenshot.
func browserCheck(t *testing.T, page string) (problems []string, drawn map[string]map[string]seriesDrawn, png []byte) {
	t.Helper()
	bin := chromiumPath()
	if bin == "" {
		t.Skip("SKIPPED: no chromium in PATH — the HTML report is NOT tested in a real browser. Install it: apt-get install -y chromium")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancelC := chromedp.NewContext(actx)
	defer cancelC()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()

	// subscribe to the console before navigating, collect in the background
	cctx, stopConsole := context.WithCancel(ctx)
	messages := chromedp.Console(cctx)
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	// For each chart, per series colour of its legend: the elements drawn in
	// that colour and their vertices (path commands), i.e. the data drawn.
	const countJS = `(() => { const out = {};
	  for (const s of document.querySelectorAll('svg.chart')) {
	    const colours = (s.closest('figure').dataset.series || '').toLowerCase().split(' ').filter(Boolean);
	    const per = {};
	    for (const c of colours) per[c] = {elements: 0, vertices: 0};
	    for (const el of s.querySelectorAll('path, line, polyline, polygon, circle, rect')) {
	      const st = (el.getAttribute('style') || '').toLowerCase();
	      for (const c of colours) {
	        if (st.includes('stroke:' + c) || st.includes('fill:' + c)) {
	          per[c].elements++;
	          per[c].vertices += ((el.getAttribute('d') || '').match(/[MLAC]/g) || []).length;
	        }
	      }
	    }
	    out[s.id] = per;
	  } return out; })()`
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitReady("body")); err != nil {
		t.Fatalf("chromium: open %s: %v", page, err)
	}
	var err error
	if drawn, err = chromedp.Run(ctx, chromedp.Evaluate[map[string]map[string]seriesDrawn](countJS)); err != nil {
		t.Fatalf("chromium: count the charts' elements: %v", err)
	}
	// quality 100: PNG
	if png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatalf("chromium: screenshot: %v", err)
	}
	stopConsole()
	<-done
	mu.Lock()
	defer mu.Unlock()
	return problems, drawn, png
}

// seriesDrawn is what the browser found drawn for one series of a chart.
type seriesDrawn struct {
	Elements int `json:"elements"`
	Vertices int `json:"vertices"`
}

func TestLoadHTMLInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED in -short mode: the headless-browser test starts chromium")
	}
	dir, sum := syntheticReport(t)
	r := reports.NewLoadReport(sum, dir, generated)
	page := filepath.Join(dir, "report.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteLoadHTML(f, r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	problems, drawn, png := browserCheck(t, page)
	for _, p := range problems {
		t.Errorf("the page raised %s", p)
	}
	want := []string{"chart-latency", "chart-throughput", "chart-mix", "chart-op-p99", "chart-lag", "chart-capacity"}
	if len(drawn) != len(want) {
		t.Errorf("the browser found %d charts (%v), want %d", len(drawn), drawn, len(want))
	}
	for _, id := range want {
		series, vertices := drawn[id], 0
		if len(series) == 0 {
			t.Errorf("chart %s: no series in its legend", id)
		}
		for colour, d := range series {
			if d.Elements == 0 {
				t.Errorf("chart %s: the series drawn in %s has no element on the page", id, colour)
			}
			vertices += d.Vertices
		}
		// every chart has at least eight steps or forty intervals of data
		if vertices < 8 {
			t.Errorf("chart %s: %d data vertices drawn, want at least 8", id, vertices)
		}
	}
	out := filepath.Join(screenshotDir(t), "load-report.png")
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the load report: %s (%d bytes); drawn elements per chart: %v", out, len(png), drawn)
}

func TestConformHTMLInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED in -short mode: the headless-browser test starts chromium")
	}
	res := syntheticConform(t)
	page := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteConformHTML(f, reports.ConformReport{Result: res, Generated: generated}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	problems, _, png := browserCheck(t, page)
	for _, p := range problems {
		t.Errorf("the page raised %s", p)
	}
	out := filepath.Join(screenshotDir(t), "conform-report.png")
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the conformance report: %s (%d bytes)", out, len(png))
}
