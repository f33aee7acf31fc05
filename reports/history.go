package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/table"

	"github.com/alexa-harness/harness/internal/changepoint"
	"github.com/alexa-harness/harness/internal/history"
	"github.com/alexa-harness/harness/internal/regress"
	"github.com/alexa-harness/harness/internal/runs"
)

// HistorySchema identifies the JSON of "harness history" (list, show,
// detect); HistorySchemaVersion is its version.
const (
	HistorySchema        = "harness.history"
	HistorySchemaVersion = 1
)

type jsonHistoryRun struct {
	ID             int64     `json:"id"`
	Kind           string    `json:"kind"`
	Started        time.Time `json:"started"`
	Profile        string    `json:"profile"`
	GitRevision    string    `json:"gitRevision,omitempty"`
	Host           string    `json:"host,omitempty"`
	HarnessVersion string    `json:"harnessVersion,omitempty"`
	Samples        int       `json:"samples"`
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func shortRev(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// WriteHistoryList writes runs of the history (newest first, as
// history.Store.List returns them) as text or JSON; path is the database.
func WriteHistoryList(w io.Writer, f Format, path string, list []history.RunInfo) error {
	switch f {
	case FormatJSON:
		out := struct {
			Schema        string           `json:"schema"`
			SchemaVersion int              `json:"schemaVersion"`
			Database      string           `json:"database"`
			Runs          []jsonHistoryRun `json:"runs"`
		}{HistorySchema, HistorySchemaVersion, path, make([]jsonHistoryRun, 0, len(list))}
		for _, r := range list {
			out.Runs = append(out.Runs, jsonHistoryRun{ID: r.ID, Kind: r.Kind, Started: r.StartedAt, Profile: r.ProfileName,
				GitRevision: r.Env.GitRevision, Host: r.Env.Host, HarnessVersion: r.Env.HarnessVersion, Samples: r.SampleCount})
		}
		return writeJSON(w, out)
	case FormatText:
	default:
		return fmt.Errorf("--format %s: history list writes text or json", f)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "History %s: %s\n", path, countNoun(len(list), "run"))
	if len(list) > 0 {
		t := table.NewWriter()
		t.SetStyle(table.StyleLight)
		t.AppendHeader(table.Row{"ID", "Started (UTC)", "Kind", "Profile", "Git revision", "Host", "Harness", "Samples"})
		for _, r := range list {
			t.AppendRow(table.Row{r.ID, r.StartedAt.UTC().Format("2006-01-02 15:04:05"), r.Kind, r.ProfileName,
				shortRev(r.Env.GitRevision), r.Env.Host, r.Env.HarnessVersion, count(int64(r.SampleCount))})
		}
		b.WriteString(t.Render() + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// seriesStat is the median of one (operation, metric) of a recorded run.
type seriesStat struct {
	Operation string  `json:"operation"`
	Metric    string  `json:"metric"`
	Unit      string  `json:"unit,omitempty"`
	N         int     `json:"n"`
	Median    float64 `json:"median"`
	Min       float64 `json:"min"`
	Max       float64 `json:"max"`
}

func seriesStats(samples []history.Sample) []seriesStat {
	type key struct{ op, metric string }
	m := map[key][]float64{}
	var keys []key
	for _, s := range samples {
		k := key{s.Operation, s.Metric}
		if _, ok := m[k]; !ok {
			keys = append(keys, k)
		}
		m[k] = append(m[k], s.Value)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].op != keys[j].op {
			return keys[i].op < keys[j].op
		}
		return keys[i].metric < keys[j].metric
	})
	out := make([]seriesStat, 0, len(keys))
	for _, k := range keys {
		v := m[k]
		sort.Float64s(v)
		med := v[len(v)/2]
		if len(v)%2 == 0 {
			med = (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		out = append(out, seriesStat{Operation: k.op, Metric: k.metric, Unit: runs.Unit(k.metric), N: len(v), Median: med, Min: v[0], Max: v[len(v)-1]})
	}
	return out
}

// WriteHistoryRun writes one recorded run: where and when it ran, and the
// median, lowest and highest of each (operation, metric) of its samples.
// JSON also carries the run's summary as recorded.
func WriteHistoryRun(w io.Writer, f Format, r *runs.Run) error {
	stats := seriesStats(r.Samples)
	switch f {
	case FormatJSON:
		return writeJSON(w, struct {
			Schema        string          `json:"schema"`
			SchemaVersion int             `json:"schemaVersion"`
			Run           jsonRunRef      `json:"run"`
			Series        []seriesStat    `json:"series"`
			Summary       json.RawMessage `json:"summary,omitempty"`
		}{HistorySchema, HistorySchemaVersion, newJSONRunRef(r), stats, r.Summary})
	case FormatText:
	default:
		return fmt.Errorf("--format %s: history show writes text or json", f)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Run #%d: %s run of profile %q, started %s\n", r.HistoryID, r.Kind, r.Profile, r.Started.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "git revision %s, host %s, harness %s\n", orDash(r.Env.GitRevision), orDash(r.Env.Host), orDash(r.Env.HarnessVersion))
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if len(stats) > 0 {
		t := table.NewWriter()
		t.SetStyle(table.StyleLight)
		t.AppendHeader(table.Row{"Operation", "Metric", "Intervals", "Median", "Lowest", "Highest"})
		for _, s := range stats {
			t.AppendRow(table.Row{s.Operation, s.Metric, s.N, fmtValue(s.Median, s.Unit), fmtValue(s.Min, s.Unit), fmtValue(s.Max, s.Unit)})
		}
		b.WriteString(t.Render() + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Detection is what WriteDetection renders: the history of one metric (one
// point per run, oldest first) and the change points found in it.
type Detection struct {
	Database  string
	Metric    string
	Operation string
	Profile   string
	Points    []history.Point
	Changes   []changepoint.ChangePoint
	// Significance is the permutation test's level.
	Significance float64
	// Note qualifies the result (say, too few runs to find any change).
	Note string
	// NoVerdict: there are too few runs for any change point to be found,
	// so finding none says nothing ("not enough runs: no verdict").
	NoVerdict bool
}

// WriteDetection writes change points over a metric's history: for each,
// the run where the shift began (id, time, git revision) and the means
// before and after; "no change point" when there is none.
func WriteDetection(w io.Writer, f Format, d Detection) error {
	unit := runs.Unit(d.Metric)
	type jsonChange struct {
		RunID       int64     `json:"runId"`
		Started     time.Time `json:"started"`
		GitRevision string    `json:"gitRevision,omitempty"`
		Index       int       `json:"index"`
		Before      float64   `json:"before"`
		After       float64   `json:"after"`
		Relative    *float64  `json:"relative,omitempty"`
		P           float64   `json:"p"`
		Q           float64   `json:"q"`
	}
	changes := make([]jsonChange, 0, len(d.Changes))
	for _, c := range d.Changes {
		p := d.Points[c.Index]
		jc := jsonChange{RunID: p.RunID, Started: p.StartedAt, GitRevision: p.GitRevision, Index: c.Index, Before: c.Before, After: c.After, P: c.P, Q: c.Q}
		if rel, ok := regress.Relative(c.After-c.Before, c.Before); ok {
			jc.Relative = &rel
		}
		changes = append(changes, jc)
	}
	switch f {
	case FormatJSON:
		type jsonPoint struct {
			RunID       int64     `json:"runId"`
			Started     time.Time `json:"started"`
			GitRevision string    `json:"gitRevision,omitempty"`
			Value       float64   `json:"value"`
			N           int       `json:"n"`
		}
		pts := make([]jsonPoint, 0, len(d.Points))
		for _, p := range d.Points {
			pts = append(pts, jsonPoint{p.RunID, p.StartedAt, p.GitRevision, p.Value, p.N})
		}
		return writeJSON(w, struct {
			Schema        string       `json:"schema"`
			SchemaVersion int          `json:"schemaVersion"`
			Database      string       `json:"database"`
			Method        string       `json:"method"`
			Significance  float64      `json:"significance"`
			Metric        string       `json:"metric"`
			Unit          string       `json:"unit,omitempty"`
			Operation     string       `json:"operation"`
			Profile       string       `json:"profile"`
			Runs          int          `json:"runs"`
			Note          string       `json:"note,omitempty"`
			NoVerdict     bool         `json:"noVerdict,omitempty"`
			ChangePoints  []jsonChange `json:"changePoints"`
			History       []jsonPoint  `json:"history"`
		}{HistorySchema, HistorySchemaVersion, d.Database, detectMethod, d.Significance, d.Metric, unit, d.Operation, d.Profile,
			len(d.Points), d.Note, d.NoVerdict, changes, pts})
	case FormatText, FormatMarkdown:
	default:
		return fmt.Errorf("--format %s: history --detect writes text, markdown or json", f)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s of %s, profile %q: %s in %s\n", d.Metric, d.Operation, d.Profile, countNoun(len(d.Points), "run"), d.Database)
	fmt.Fprintf(&b, "%s, significance %s\n", detectMethod, strconv.FormatFloat(d.Significance, 'g', -1, 64))
	if d.Note != "" {
		b.WriteString("note: " + d.Note + "\n")
	}
	if len(changes) == 0 {
		if d.NoVerdict {
			b.WriteString("not enough runs: no verdict\n")
		} else {
			b.WriteString("no change point\n")
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	t := table.NewWriter()
	t.SetStyle(table.StyleLight)
	t.AppendHeader(table.Row{"Shift began at run", "Started (UTC)", "Git revision", "Before (mean)", "After (mean)", "Change", "p"})
	for _, c := range changes {
		rel := "-"
		if c.Relative != nil {
			rel = signedPct(*c.Relative)
		}
		t.AppendRow(table.Row{"#" + strconv.FormatInt(c.RunID, 10), c.Started.UTC().Format("2006-01-02 15:04:05"), orDash(c.GitRevision),
			fmtValue(c.Before, unit), fmtValue(c.After, unit), rel, fmtP(c.P)})
	}
	if f == FormatMarkdown {
		b.WriteString("\n" + t.RenderMarkdown() + "\n")
	} else {
		b.WriteString(t.Render() + "\n")
	}
	last := changes[len(changes)-1]
	rel := ""
	if last.Relative != nil {
		rel = " (" + signedPct(*last.Relative) + ")"
	}
	fmt.Fprintf(&b, "Since run #%d (started %s, git revision %s), %s of %s is %s on average; before it, %s%s.\n", last.RunID,
		last.Started.UTC().Format(time.RFC3339), orDash(last.GitRevision), d.Metric, d.Operation, fmtValue(last.After, unit), fmtValue(last.Before, unit), rel)
	_, err := io.WriteString(w, b.String())
	return err
}

const detectMethod = "E-divisive means (Matteson & James 2014) over each run's median"
