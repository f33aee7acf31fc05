package reports_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/timeseries"
	"github.com/alexa-harness/harness/reports"
)

var generated = time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)

func renderLoadHTML(t *testing.T, r reports.LoadReport) string {
	t.Helper()
	var buf bytes.Buffer
	if err := reports.WriteLoadHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestLoadHTMLSelfContained(t *testing.T) {
	dir, sum := syntheticReport(t)
	r := reports.NewLoadReport(sum, dir, generated)
	if r.SeriesProblem != "" || len(r.Series) == 0 {
		t.Fatalf("series not read: %q (%d intervals)", r.SeriesProblem, len(r.Series))
	}
	page := renderLoadHTML(t, r)
	out := dir
	if d := os.Getenv("HARNESS_SCREENSHOT_DIR"); d != "" {
		out = d
	}
	if err := os.WriteFile(filepath.Join(out, "load-report.html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "http://cdn", "https://", "<link ", "@import", "url(", "Atza|"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q: not self-contained, or a secret in clear", bad)
		}
	}
	for _, want := range []string{
		"FAIL", "chart-latency", "chart-throughput", "chart-mix", "chart-op-p99", "chart-lag", "chart-capacity",
		"Knee: <strong>400/s</strong>", "◆ knee", "Planned, sent and unsent hits", "behind-schedule", "Generator health: <span class=\"bad\">SATURATED</span>", "generator-limited",
		"Back-off compliance", "Retry-After floor", "latency.all.p99", "context deadline exceeded",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if n := len(regexp.MustCompile(`<svg class="chart"`).FindAllString(page, -1)); n != 6 {
		t.Errorf("%d charts, want 6", n)
	}
}

func TestLoadHTMLVerdictBanner(t *testing.T) {
	cases := []struct {
		name        string
		pass        bool
		saturated   bool
		interrupted bool
		damage      bool
		class       string
		word        string
		qualifier   string
	}{
		{"clean pass", true, false, false, false, "banner pass", "PASS", ""},
		{"pass with a saturated generator", true, true, false, false, "banner partial", "PARTIAL", "generator saturated"},
		{"pass on an interrupted run", true, false, true, false, "banner partial", "PARTIAL", "interrupted"},
		{"pass with a damaged time series", true, false, false, true, "banner partial", "PARTIAL", "damaged"},
		{"fail", false, false, false, false, "banner fail", "FAIL", ""},
		{"fail, interrupted", false, false, true, false, "banner fail", "FAIL", "interrupted"},
	}
	// The synthetic run is deterministic: simulate it once, and give each
	// case its own copy of the folder (one case damages it) and of the
	// summary's parts a case changes (Pass, Thresholds, Generator).
	baseDir, baseSum := syntheticReport(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(baseDir)); err != nil {
				t.Fatal(err)
			}
			s := *baseSum
			sum := &s
			sum.OutDir = dir
			sum.Thresholds = slices.Clone(baseSum.Thresholds)
			if baseSum.Generator == nil {
				t.Fatal("the synthetic run has no generator health")
			}
			g := *baseSum.Generator
			sum.Generator = &g
			sum.ThresholdsMet, sum.Interrupted, sum.Generator.Saturated = tc.pass, tc.interrupted, tc.saturated
			sum.Pass = tc.pass && !tc.interrupted
			if tc.pass {
				for i := range sum.Thresholds {
					sum.Thresholds[i].Pass = true
				}
			}
			if tc.damage {
				f, err := os.OpenFile(filepath.Join(dir, timeseries.FileName), os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.WriteString(`{"start":"2026-12-01T02:00:40Z","seconds":1,"operation":"all","off`); err != nil {
					t.Fatal(err)
				}
				f.Close()
			}
			r := reports.NewLoadReport(sum, dir, generated)
			if r.SeriesDamaged != tc.damage {
				t.Fatalf("SeriesDamaged = %v (%q), want %v", r.SeriesDamaged, r.SeriesProblem, tc.damage)
			}
			page := renderLoadHTML(t, r)
			banner := regexp.MustCompile(`(?s)<div class="(banner [a-z]+)" role="status"[^>]*>\s*<span class="word">([A-Z]+)</span>\s*<span class="why">([^<]*)`).FindStringSubmatch(page)
			if banner == nil {
				t.Fatal("no banner")
			}
			if banner[1] != tc.class || banner[2] != tc.word || !strings.Contains(banner[3], tc.qualifier) {
				t.Errorf("banner %q %q %q, want %q %q containing %q", banner[1], banner[2], banner[3], tc.class, tc.word, tc.qualifier)
			}
			if tc.damage && !strings.Contains(page, "Time series damaged") {
				t.Error("the damage is not reported")
			}
			// JSON: verdict.pass only for a plain pass (a CI job reads it).
			var jb bytes.Buffer
			if err := reports.WriteLoadFormat(&jb, reports.FormatJSON, r); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Verdict struct {
					Result        string `json:"result"`
					Pass          bool   `json:"pass"`
					ThresholdsMet bool   `json:"thresholdsMet"`
				} `json:"verdict"`
			}
			if err := json.Unmarshal(jb.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if v := doc.Verdict; v.Pass != (tc.class == "banner pass") || v.ThresholdsMet != tc.pass || (v.Result == "pass") != v.Pass {
				t.Errorf("JSON verdict %+v: want pass only for a plain pass, thresholdsMet %v", v, tc.pass)
			}
		})
	}
}
