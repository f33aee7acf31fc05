package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/progress"
	"github.com/spf13/cobra"

	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/reports"
)

// newLoadCmd is "harness load": run a load profile.
func newLoadCmd(st *globalState) *cobra.Command {
	var (
		profilePath string
		out         string
		rate        float64
		duration    time.Duration
		allowReal   bool
		maxRate     float64
		metricsAddr string
		overwrite   bool
		shardFlag   string
		startAtFlag string
		hist        historyFlags
	)
	cmd := &cobra.Command{
		Use:   "load --profile FILE [--out DIR] [--rate R] [--duration D]",
		Short: "Run a load profile (embedded mock by default) and check its thresholds",
		Long: `load drives the operations of a load profile (profiles/*.yaml) with vegeta at the
profile's pace, against the embedded mock (target: mock) or the HARNESS_* environment
(target: env), and checks the profile's thresholds: per-operation latency percentiles,
error rate, achieved rate and back-off compliance under 429/500/503.

Latency is counted from each hit's intended send time (open model), so an overloaded
target cannot hide queueing. Results stream to --out as they arrive (results.bin,
attempts.jsonl, timeseries.jsonl), so an interrupted run can be re-rendered with
"harness report DIR"; at the end (also of an interrupted run) the folder gets report.html
(a self-contained page with charts) and report.md beside summary.txt. --history FILE or
--record records the finished run in the run history (harness history, harness compare).
A run owns its folder: --out must be new or empty (or hold an earlier run and come
with --overwrite, which removes that run first); without --out each run gets a fresh
timestamped folder under runs/.

A target that is not on loopback is refused unless --allow-real and --max-rate are given.

Exit codes: 0 all thresholds met; 1 a threshold failed; 2 bad usage or profile;
3 the run could not be carried out; 130 interrupted (the summary is still written;
"harness report DIR" then exits 4, a partial run).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if profilePath == "" {
				return usagef("load: --profile FILE is required (e.g. --profile profiles/smoke.yaml)")
			}
			if cmd.Flags().Changed("rate") && !(rate > 0) {
				return usagef("load: --rate must be > 0 (got %g)", rate)
			}
			if cmd.Flags().Changed("duration") && duration <= 0 {
				return usagef("load: --duration must be > 0 (got %s)", duration)
			}
			if maxRate < 0 {
				return usagef("load: --max-rate must be > 0 (got %g)", maxRate)
			}
			shard, startAt, err := parseShardFlags(cmd, shardFlag, startAtFlag, time.Now())
			if err != nil {
				return err
			}
			prof, raw, err := loadgen.LoadProfile(profilePath)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			opt := loadgen.Options{
				Profile: prof, ProfileFile: profilePath, ProfileRaw: raw,
				Rate: rate, Duration: duration, AllowReal: allowReal, MaxRate: maxRate, Getenv: st.Getenv, MetricsAddr: metricsAddr,
				Shard: shard, StartAt: startAt, ReserveMemory: st.reserveMemory,
			}
			// Every option and the history are checked before the run's
			// folder is claimed or anything is printed or started.
			if err := opt.Check(); err != nil {
				return withCode(ExitUsage, fmt.Errorf("load: %w", err))
			}
			if err := hist.check("load", st); err != nil {
				return err
			}
			if err := claimOut(&out, "runs", prof.Name, "load", overwrite); err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			fmt.Fprintf(stderr, "load: profile %s, results in %s\n", profilePath, out)
			pr := newProgressUI(stderr)
			opt.OutDir, opt.OnProgress, opt.ProgressEvery = out, pr.update, pr.every
			sum, err := loadgen.Run(cmd.Context(), opt)
			pr.stop()
			if err != nil {
				var ue *loadgen.UsageError
				if errors.As(err, &ue) {
					return withCode(ExitUsage, err)
				}
				if sum == nil {
					if cmd.Context().Err() != nil {
						return withCode(ExitInterrupted, err)
					}
					return withCode(ExitRuntime, err)
				}
				fmt.Fprintln(stderr, "load:", err)
			}
			verdict := renderLoad(cmd.OutOrStdout(), sum, out, true)
			if err := writeRunReports(out, func(w io.Writer, f reports.Format) error {
				return reports.WriteLoadFormat(w, f, reports.NewLoadReport(sum, out, time.Now()))
			}); err != nil {
				fmt.Fprintln(stderr, "load:", err)
				if verdict == nil {
					return withCode(ExitRuntime, err)
				}
			} else {
				fmt.Fprintf(stderr, "load: reports in %s\n", filepath.Join(out, "{report.html,report.md}"))
			}
			if err := hist.recordRun(cmd.Context(), st, out, stderr); err != nil && verdict == nil {
				return err
			}
			return verdict
		},
	}
	f := cmd.Flags()
	f.StringVar(&profilePath, "profile", "", "load profile (YAML), e.g. profiles/smoke.yaml")
	f.StringVar(&out, "out", "", "run folder: new or empty (default: a fresh runs/<profile>-<UTC timestamp>)")
	f.BoolVar(&overwrite, "overwrite", false, "with --out: replace the earlier harness run in that folder")
	f.Float64Var(&rate, "rate", 0, "override the pacer's rate, hits/s (ramps and sines are scaled)")
	f.DurationVar(&duration, "duration", 0, "override the profile's duration, e.g. 30s")
	f.BoolVar(&allowReal, "allow-real", false, "permit a target that is not on loopback (needs --max-rate)")
	f.Float64Var(&maxRate, "max-rate", 0, "with --allow-real: refuse a profile whose peak rate exceeds this, hits/s (with --shard: the cap on the total across shards)")
	f.StringVar(&shardFlag, "shard", "", "run shard I of N (0-based, 0 ≤ I < N): 1/N of the rate, own clients and data; merge with harness merge")
	f.StringVar(&startAtFlag, "start-at", "", "start the attack at this RFC 3339 UTC time (e.g. 2026-12-01T12:00:00Z), the same for every shard")
	hist.addRecordFlags(f)
	f.StringVar(&metricsAddr, "metrics-addr", "", "serve live Prometheus metrics at HOST:PORT/metrics during the run (\":PORT\" binds loopback)")
	return cmd
}

// renderLoad prints a summary, saves the same text as summary.txt (when
// dir is set), and maps the outcome to the exit code (loadVerdict).
func renderLoad(w io.Writer, sum *loadgen.Summary, dir string, live bool) error {
	var b strings.Builder
	if err := reports.WriteLoad(&b, sum); err != nil {
		return withCode(ExitRuntime, fmt.Errorf("render summary: %w", err))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return withCode(ExitRuntime, err)
	}
	if dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "summary.txt"), []byte(b.String()), 0o644)
	}
	return loadVerdict(sum, live)
}

// runReportFormats are the report files "harness load --out" and
// "harness conform --out" leave in the run folder beside the text summary.
func runReportFormats() []reports.Format {
	return []reports.Format{reports.FormatHTML, reports.FormatMarkdown}
}

// writeRunReports writes the run folder's reports (runReportFormats, each
// as its Format.FileName) with render, which writes one format.
func writeRunReports(dir string, render func(io.Writer, reports.Format) error) error {
	for _, f := range runReportFormats() {
		var b bytes.Buffer
		if err := render(&b, f); err != nil {
			return fmt.Errorf("render %s: %w", f.FileName(), err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.FileName()), b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write the %s report: %w", f, err)
		}
	}
	return nil
}

// loadVerdict is the one mapping from a load summary to the exit code, for
// "harness load" (live) and "harness report": 130 for a live run the user
// interrupted, 4 (ExitPartial) for a run whose data is damaged or partial,
// whatever its thresholds say, 1 for a failed threshold, else 0.
func loadVerdict(sum *loadgen.Summary, live bool) error {
	failed := ""
	if !sum.ThresholdsMet {
		failed = "; on the data read, thresholds failed: " + strings.Join(sum.Failed(), ", ")
	}
	switch {
	case live && sum.Interrupted:
		return withCode(ExitInterrupted, fmt.Errorf("interrupted; the partial run is in %s (harness report %s)", sum.OutDir, sum.OutDir))
	case len(sum.Damage) > 0:
		return withCode(ExitPartial, fmt.Errorf("the run's data is damaged (%s), so this is no verdict on the run%s", strings.Join(sum.Damage, "; "), failed))
	case sum.Partial || sum.Interrupted:
		return withCode(ExitPartial, fmt.Errorf("the run is partial (it did not finish, or a file is missing or cut short: see the notes), so this is no verdict on the whole run%s", failed))
	case !sum.ThresholdsMet:
		return withCode(ExitFailed, fmt.Errorf("thresholds failed: %s", strings.Join(sum.Failed(), ", ")))
	}
	return nil
}

// progressUI shows a go-pretty progress bar on a terminal, a plain line
// every few seconds otherwise.
type progressUI struct {
	w       io.Writer
	tty     bool
	every   time.Duration
	pw      progress.Writer
	tracker *progress.Tracker
	last    time.Time
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newProgressUI(w io.Writer) *progressUI {
	p := &progressUI{w: w, tty: isTerminal(w), every: 5 * time.Second}
	if p.tty {
		p.every = 250 * time.Millisecond
	}
	return p
}

func progressMessage(pr loadgen.Progress) string { return pr.String() }

func (p *progressUI) update(pr loadgen.Progress) {
	if !p.tty {
		if pr.Done || time.Since(p.last) >= p.every {
			p.last = time.Now()
			fmt.Fprintf(p.w, "load: %s\n", progressMessage(pr))
		}
		return
	}
	if p.pw == nil {
		pw := progress.NewWriter()
		pw.SetOutputWriter(p.w)
		pw.SetAutoStop(false)
		pw.SetUpdateFrequency(250 * time.Millisecond)
		pw.SetTrackerLength(30)
		pw.SetMessageLength(60)
		pw.SetStyle(progress.StyleDefault)
		pw.Style().Visibility.ETA = false
		pw.Style().Visibility.Value = false
		pw.Style().Visibility.Speed = false
		p.tracker = &progress.Tracker{Message: progressMessage(pr), Total: int64(pr.Planned / time.Millisecond), Units: progress.UnitsDefault}
		pw.AppendTracker(p.tracker)
		go pw.Render()
		p.pw = pw
	}
	p.tracker.UpdateMessage(progressMessage(pr))
	p.tracker.SetValue(min(int64(pr.Elapsed/time.Millisecond), p.tracker.Total))
	if pr.Done {
		p.tracker.MarkAsDone()
	}
}

func (p *progressUI) stop() {
	if p.pw != nil {
		p.tracker.MarkAsDone()
		time.Sleep(300 * time.Millisecond) // let the last frame render
		p.pw.Stop()
		for p.pw.IsRenderInProgress() {
			time.Sleep(10 * time.Millisecond)
		}
	}
}
