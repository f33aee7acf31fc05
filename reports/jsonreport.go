package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/alexa-harness/harness/internal/compliance"
	"github.com/alexa-harness/harness/internal/conform"
	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/internal/redact"
	"github.com/alexa-harness/harness/internal/timeseries"
)

// The JSON reports' schema names. Every duration in them is in seconds
// (a JSON number), every rate per second, every ratio a fraction in [0, 1].
const (
	LoadReportSchema    = "harness.report.load"
	ConformReportSchema = "harness.report.conform"
)

type jsonLatency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

type jsonOp struct {
	Name          string         `json:"name"`
	Requests      int            `json:"requests"`
	RatePerSecond float64        `json:"ratePerSecond"`
	Successes     int            `json:"successes"`
	Errors        int            `json:"errors"`
	Cancelled     int            `json:"cancelled"`
	Suppressed    int            `json:"suppressed"`
	SuccessRatio  float64        `json:"successRatio"`
	ErrorRate     float64        `json:"errorRate"`
	Latency       jsonLatency    `json:"latencySeconds"`
	Lag           *jsonLatency   `json:"lagSeconds,omitempty"`
	Statuses      map[string]int `json:"statuses"`
	ErrorSet      map[string]int `json:"errorSet,omitempty"`
	NotSent       map[string]int `json:"notSent,omitempty"`
}

func newJSONLatency(l loadgen.Latency) jsonLatency {
	return jsonLatency{P50: secs(l.P50), P90: secs(l.P90), P95: secs(l.P95), P99: secs(l.P99), Max: secs(l.Max), Mean: secs(l.Mean)}
}

func newJSONOp(o loadgen.OpSummary, scrub func(string) string) jsonOp {
	st := o.Statuses
	if st == nil {
		st = map[string]int{}
	}
	j := jsonOp{Name: o.Name, Requests: o.Requests, RatePerSecond: o.Rate, Successes: o.Successes, Errors: o.Errors,
		Cancelled: o.Cancelled, Suppressed: o.Suppressed, SuccessRatio: o.SuccessRatio, ErrorRate: o.ErrorRate,
		Latency: newJSONLatency(o.Latency), Statuses: st, NotSent: o.NotSent}
	if o.Lag != nil {
		l := newJSONLatency(*o.Lag)
		j.Lag = &l
	}
	if len(o.ErrorSet) > 0 {
		j.ErrorSet = make(map[string]int, len(o.ErrorSet))
		for k, n := range o.ErrorSet {
			j.ErrorSet[scrub(k)] += n
		}
	}
	return j
}

type jsonStep struct {
	Step         int      `json:"step"` // 1-based
	OfferedRate  float64  `json:"offeredRate"`
	StartSeconds float64  `json:"startSeconds"`
	EndSeconds   float64  `json:"endSeconds"`
	AchievedRate float64  `json:"achievedRate"`
	Complete     bool     `json:"complete"`
	MetSLO       bool     `json:"metSlo"`
	Reasons      []string `json:"reasons,omitempty"`
	Generator    string   `json:"generator,omitempty"` // why the generator limited the step
	CPU          float64  `json:"cpu,omitempty"`
	Hits         jsonOp   `json:"hits"`
	IsKnee       bool     `json:"knee,omitempty"`
}

type jsonViolation struct {
	Rule              string     `json:"rule"`
	Client            string     `json:"client"`
	Operation         string     `json:"operation,omitempty"`
	Status            int        `json:"status"`
	Answered          time.Time  `json:"answered"`
	RetryAfterSeconds float64    `json:"retryAfterSeconds,omitempty"`
	Next              *time.Time `json:"next,omitempty"`
	Attempt           int        `json:"attempt,omitempty"`
	Figure            string     `json:"figure"`
	ShortfallSeconds  float64    `json:"shortfallSeconds,omitempty"`
}

type jsonRule struct {
	ID                    string          `json:"id"`
	Title                 string          `json:"title"`
	Status                string          `json:"status"`
	N                     int             `json:"n"`
	Unit                  string          `json:"unit"`
	Figure                string          `json:"figure"`
	Statistic             float64         `json:"statistic,omitempty"`
	Critical              float64         `json:"critical,omitempty"`
	Total                 int             `json:"violations"`
	WorstShortfallSeconds float64         `json:"worstShortfallSeconds,omitempty"`
	Evidence              []jsonViolation `json:"evidence,omitempty"`
}

type jsonVerdict struct {
	Pass    bool       `json:"pass"`
	Events  int        `json:"events"`
	Clients int        `json:"clients"`
	Chains  int        `json:"chains"`
	Rules   []jsonRule `json:"rules"`
}

func newJSONVerdict(v *compliance.Verdict, scrub func(string) string) *jsonVerdict {
	if v == nil {
		return nil
	}
	out := &jsonVerdict{Pass: v.Pass(), Events: v.Events, Clients: v.Clients, Chains: v.Chains}
	for _, r := range v.Rules {
		jr := jsonRule{ID: r.ID, Title: r.Title, Status: string(r.Status), N: r.N, Unit: r.Unit, Figure: scrub(r.Figure),
			Statistic: r.Statistic, Critical: r.Critical, Total: r.Total, WorstShortfallSeconds: secs(r.WorstShortfall)}
		for _, x := range r.Violations {
			jv := jsonViolation{Rule: x.Rule, Client: scrub(x.Client), Operation: x.Operation, Status: x.Status, Answered: x.Answered,
				RetryAfterSeconds: secs(x.RetryAfter), Attempt: x.Attempt, Figure: scrub(x.Figure), ShortfallSeconds: secs(x.Shortfall)}
			if !x.Next.IsZero() {
				next := x.Next
				jv.Next = &next
			}
			jr.Evidence = append(jr.Evidence, jv)
		}
		out.Rules = append(out.Rules, jr)
	}
	return out
}

type jsonCompliance struct {
	Mode             string       `json:"mode"`
	Policy           string       `json:"policy"`
	Pass             bool         `json:"pass"`
	Agree            bool         `json:"agree"`
	Disagreement     string       `json:"disagreement,omitempty"`
	Reasons          []string     `json:"reasons,omitempty"`
	EventsDropped    int          `json:"eventsDropped"`
	JournalTruncated bool         `json:"journalTruncated"`
	Client           *jsonVerdict `json:"client,omitempty"`
	Server           *jsonVerdict `json:"server,omitempty"`
}

type jsonRun struct {
	Profile        string    `json:"profile"`
	Description    string    `json:"description,omitempty"`
	Target         string    `json:"target"`
	Pacer          string    `json:"pacer"`
	Clients        int       `json:"clients"`
	Policy         string    `json:"policy"`
	Started        time.Time `json:"started"`
	Ended          time.Time `json:"ended"`
	PlannedSeconds float64   `json:"plannedSeconds"`
	ElapsedSeconds float64   `json:"elapsedSeconds"`
	PlannedHits    int       `json:"plannedHits"`
	Interrupted    bool      `json:"interrupted"`
	Partial        bool      `json:"partial"`
	LatencyFrom    string    `json:"latencyFrom"`
}

type jsonSeries struct {
	File      string `json:"file"`
	Intervals int    `json:"intervals"` // "all" rows read
	Problem   string `json:"problem,omitempty"`
	Damaged   bool   `json:"damaged"`
}

type jsonLoadReport struct {
	Schema        string                 `json:"schema"`
	SchemaVersion int                    `json:"schemaVersion"`
	DurationUnit  string                 `json:"durationUnit"`
	Generated     time.Time              `json:"generated"`
	Run           jsonRun                `json:"run"`
	Verdict       verdict                `json:"verdict"`
	TimeSeries    jsonSeries             `json:"timeSeries"`
	Accounting    *accounting            `json:"accounting"`
	Generator     *generatorView         `json:"generator"`
	Damage        []string               `json:"damage,omitempty"`
	All           jsonOp                 `json:"all"`
	Operations    []jsonOp               `json:"operations"`
	Attempts      []loadgen.AttemptStats `json:"attempts"`
	Errors        []reasonCount          `json:"errorSet"`
	Steps         []jsonStep             `json:"steps,omitempty"`
	Knee          *knee                  `json:"knee,omitempty"`
	Compliance    *jsonCompliance        `json:"compliance,omitempty"`
	Thresholds    []threshold            `json:"thresholds"`
	Notes         []string               `json:"notes,omitempty"`
}

// WriteLoadJSON writes a load run's report for machines (schema
// "harness.report.load", ReportSchemaVersion): durations in seconds,
// thresholds as {metric, operator, limit, actual, unit, pass}, the verdict
// with its qualifiers (interrupted, partial, damaged), the accounting of
// offered/sent/answered/not-sent hits from the time series, the steps and
// the knee, and the back-off verdict with its evidence.
func WriteLoadJSON(w io.Writer, r LoadReport) error {
	s := r.Summary
	if s == nil {
		return fmt.Errorf("reports: load report without a summary")
	}
	scrub := func(x string) string { return redact.Scrub(x, r.Secrets...) }
	out := jsonLoadReport{
		Schema: LoadReportSchema, SchemaVersion: ReportSchemaVersion, DurationUnit: "seconds", Generated: r.Generated.UTC(),
		Run: jsonRun{Profile: scrub(s.Profile), Description: scrub(s.Description), Target: scrub(s.Target), Pacer: scrub(s.Pacer),
			Clients: s.Clients, Policy: s.Policy, Started: s.Started, Ended: s.Ended, PlannedSeconds: secs(s.Planned),
			ElapsedSeconds: secs(s.Elapsed), PlannedHits: s.PlannedHits, Interrupted: s.Interrupted, Partial: s.Partial,
			LatencyFrom: s.LatencyFrom},
		Verdict:    loadVerdict(r),
		TimeSeries: jsonSeries{File: timeseries.FileName, Intervals: len(allRows(r.Series)), Problem: scrub(r.SeriesProblem), Damaged: r.SeriesDamaged},
		Accounting: runAccounting(r),
		Generator:  runGenerator(r),
		All:        newJSONOp(s.All, scrub),
		Operations: []jsonOp{},
		Attempts:   s.Attempts,
		Errors:     errorKinds(r),
		Knee:       findKnee(s, r.Secrets),
		Thresholds: structuredThresholds(s.Thresholds, r.Secrets),
	}
	out.Verdict.Headline = scrub(out.Verdict.Headline)
	for _, o := range s.Operations {
		out.Operations = append(out.Operations, newJSONOp(o, scrub))
	}
	for i, st := range s.Steps {
		js := jsonStep{Step: i + 1, OfferedRate: st.Rate, StartSeconds: secs(st.Start), EndSeconds: secs(st.End), AchievedRate: st.Achieved,
			Complete: st.Complete, MetSLO: st.MetSLO, Generator: scrub(st.Generator), CPU: st.CPU, Hits: newJSONOp(st.Op, scrub), IsKnee: out.Knee != nil && out.Knee.Found && out.Knee.Step == i+1}
		for _, x := range st.Reasons {
			js.Reasons = append(js.Reasons, scrub(x))
		}
		out.Steps = append(out.Steps, js)
	}
	if c := s.Compliance; c != nil {
		jc := &jsonCompliance{Mode: c.Mode, Policy: c.Policy, Pass: c.Pass, Agree: c.Agree, Disagreement: scrub(c.Disagreement),
			EventsDropped: c.EventsDropped, JournalTruncated: c.JournalTruncated,
			Client: newJSONVerdict(c.Client, scrub), Server: newJSONVerdict(c.Server, scrub)}
		for _, x := range c.Reasons {
			jc.Reasons = append(jc.Reasons, scrub(x))
		}
		out.Compliance = jc
	}
	for _, n := range s.Notes {
		out.Notes = append(out.Notes, scrub(n))
	}
	for _, d := range s.Damage {
		out.Damage = append(out.Damage, scrub(d))
	}
	if out.Attempts == nil {
		out.Attempts = []loadgen.AttemptStats{}
	}
	if out.Thresholds == nil {
		out.Thresholds = []threshold{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("reports: encode load JSON: %w", err)
	}
	return nil
}

type jsonScenario struct {
	Feature         string   `json:"feature"`
	URI             string   `json:"uri"`
	Name            string   `json:"name"`
	Tags            []string `json:"tags"`
	Outcome         string   `json:"outcome"`
	Reason          string   `json:"reason,omitempty"`
	Failure         string   `json:"failure,omitempty"`
	DurationSeconds float64  `json:"durationSeconds"`
}

type jsonConformReport struct {
	Schema        string    `json:"schema"`
	SchemaVersion int       `json:"schemaVersion"`
	DurationUnit  string    `json:"durationUnit"`
	Generated     time.Time `json:"generated"`
	Verdict       struct {
		Result string `json:"result"` // pass | partial (interrupted, or nothing ran) | fail
		OK     bool   `json:"ok"`
		Text   string `json:"text"`
	} `json:"verdict"`
	Target          string    `json:"target"`
	Tags            string    `json:"tags,omitempty"`
	Started         time.Time `json:"started"`
	DurationSeconds float64   `json:"durationSeconds"`
	Requests        int64     `json:"requests"`
	Interrupted     bool      `json:"interrupted"`
	Counts          struct {
		Passed  int `json:"passed"`
		Failed  int `json:"failed"`
		Skipped int `json:"skipped"`
		Aborted int `json:"aborted"` // by an interruption; not in skipped
	} `json:"counts"`
	Coverage  conform.Coverage `json:"coverage"`
	Uncovered []conform.Pair   `json:"uncovered"`
	Scenarios []jsonScenario   `json:"scenarios"`
}

// WriteConformJSON writes a conformance run's report for machines (schema
// "harness.report.conform"): the verdict, counts, the coverage matrix, the
// uncovered pairs and every scenario with its outcome, durations in
// seconds.
func WriteConformJSON(w io.Writer, r ConformReport) error {
	res := r.Result
	scrub := func(x string) string { return redact.Scrub(x, r.Secrets...) }
	out := jsonConformReport{Schema: ConformReportSchema, SchemaVersion: ReportSchemaVersion, DurationUnit: "seconds",
		Generated: r.Generated.UTC(), Target: scrub(res.Target), Tags: res.Tags, Started: res.Started,
		DurationSeconds: secs(res.Duration), Requests: res.Requests, Coverage: res.Coverage,
		Uncovered: res.Coverage.Uncovered(), Scenarios: []jsonScenario{}}
	_, class := conformVerdict(res)
	out.Verdict.Result, out.Verdict.OK, out.Verdict.Text = class, res.OK(), scrub(res.Verdict())
	out.Counts.Passed, out.Counts.Failed, out.Counts.Skipped = res.Counts()
	out.Interrupted, out.Counts.Aborted = res.Partial(), len(res.AbortedScenarios())
	if out.Uncovered == nil {
		out.Uncovered = []conform.Pair{}
	}
	for _, s := range res.Scenarios {
		out.Scenarios = append(out.Scenarios, jsonScenario{Feature: s.Feature, URI: s.URI, Name: s.Name, Tags: s.Tags,
			Outcome: string(s.Outcome), Reason: scrub(s.Reason), Failure: scrub(s.Failure), DurationSeconds: secs(s.Duration)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("reports: encode conform JSON: %w", err)
	}
	return nil
}
