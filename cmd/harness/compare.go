package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/alexa-harness/harness/internal/history"
	"github.com/alexa-harness/harness/internal/regress"
	"github.com/alexa-harness/harness/internal/runs"
	"github.com/alexa-harness/harness/internal/timeseries"
	"github.com/alexa-harness/harness/reports"
)

// newCompareCmd is "harness compare BASELINE CANDIDATE".
func newCompareCmd(st *globalState) *cobra.Command {
	var (
		path       string
		threshold  string
		alpha      float64
		format     string
		noHolm     bool
		anyProfile bool
		floor      time.Duration
	)
	cmd := &cobra.Command{
		Use:   "compare BASELINE CANDIDATE [--threshold 5%] [--alpha 0.01] [--format " + reports.JoinFormats(reports.CompareFormats(), "|") + "]",
		Short: "Compare two load runs (folders or history ids) and flag a significant regression",
		Long: `compare tells a real change from noise between two load runs, benchstat-style. BASELINE
and CANDIDATE are run folders (the --out of harness load) or run ids of the history
(harness history list; --history FILE picks the database).

For every operation (and "all") and metric — p50, p90, p99 and lag_p99 (seconds),
achieved_rate (per second), error_ratio and throttled_ratio (fractions of the hits sent)
— it compares the runs' per-interval samples (timeseries.jsonl): the median of each
run, the change (Hodges–Lehmann shift) with its confidence interval, and a two-sided
Mann–Whitney U test. p-values are Holm-adjusted across the series, so --alpha bounds
the chance of any false alarm in the whole comparison. A series regressed when its
adjusted p < --alpha, its change is at least --threshold, and it moved the worse way
(latency, errors, throttling, lag up; achieved rate down) by at least the floor
(--latency-floor for latency and lag, half a percentage point for the ratios); otherwise
"no significant change". Per-interval samples of one run are not fully independent: see docs/report.md.

Exit codes: 0 no significant regression; 1 a significant regression beyond the
threshold; 2 bad usage or input (not a run, unknown id, no time series, runs of
different profiles, runs too short for any series to be compared); 3 a run could not be read; 4 a run is partial or damaged (with no
regression found: no verdict on whole runs).`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := reports.ParseCompareFormat(format)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("compare: %w", err))
			}
			th, err := parseThreshold(threshold)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if floor < 0 || floor > time.Minute {
				return usagef("compare: --latency-floor %s: use a duration from 0 to 1m, e.g. 1ms", floor)
			}
			if !(alpha > 0 && alpha <= 0.5) {
				return usagef("compare: --alpha %v: use a significance level above 0 and at most 0.5, e.g. 0.01", alpha)
			}
			ctx := cmd.Context()
			var store *history.Store
			defer func() {
				if store != nil {
					store.Close()
				}
			}()
			load := func(role, arg string) (*runs.Run, error) {
				r, err := resolveRun(ctx, st, arg, path, &store)
				if err != nil {
					var ee *exitError
					if errors.As(err, &ee) {
						return nil, withCode(ee.code, fmt.Errorf("compare: %s %w", role, ee.err))
					}
					return nil, withCode(runErrCode(err), fmt.Errorf("compare: %s %w", role, err))
				}
				if len(r.Samples) == 0 {
					why := strings.Join(r.Notes, "; ")
					if why == "" {
						why = "its time series holds no interval with traffic"
					}
					return nil, usagef("compare: %s %s: %s: compare two load runs that recorded %s", role, r.Source, why, timeseries.FileName)
				}
				return r, nil
			}
			base, err := load("baseline", args[0])
			if err != nil {
				return err
			}
			cand, err := load("candidate", args[1])
			if err != nil {
				return err
			}
			if base.Profile != cand.Profile && !anyProfile {
				return usagef("compare: the baseline is a run of profile %q and the candidate of %q: compare runs of one profile, or add --any-profile",
					base.Profile, cand.Profile)
			}
			rep, err := regress.Compare(base.Observations(), cand.Observations(),
				regress.WithAlpha(alpha), regress.WithThreshold(th), regress.WithHolm(!noHolm), regress.WithMinShift(runs.MinShift(floor)))
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("compare: %w", err))
			}
			if rep.Regressed+rep.Improved+rep.Unchanged+rep.Changed == 0 {
				return usagef("compare: no series could be compared (%d undecided: too few intervals, or operations in one run only): compare longer runs of the same profile",
					rep.Undecided)
			}
			c := reports.Comparison{Baseline: base, Candidate: cand, Report: rep, LatencyFloor: floor}
			if err := reports.WriteCompare(cmd.OutOrStdout(), f, c); err != nil {
				return withCode(ExitRuntime, err)
			}
			switch {
			case rep.HasRegression():
				return withCode(ExitFailed, fmt.Errorf("significant regression in %d series (see the table)", rep.Regressed))
			case c.Partial():
				return withCode(ExitPartial, errors.New("no significant regression, but a run is partial: no verdict on whole runs"))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&path, "history", "", "history database for run ids (default $XDG_STATE_HOME/harness/history.db)")
	fl.StringVar(&threshold, "threshold", "5%", "smallest relative change that counts, in percent (the % sign is optional)")
	fl.Float64Var(&alpha, "alpha", regress.DefaultAlpha, "family-wise significance level (Holm-adjusted across the series)")
	fl.StringVar(&format, "format", string(reports.FormatText), "report format: one of "+reports.JoinFormats(reports.CompareFormats(), ", "))
	fl.BoolVar(&noHolm, "no-holm", false, "test each series at --alpha on its own (more false alarms)")
	fl.DurationVar(&floor, "latency-floor", runs.DefaultLatencyFloor, "latency and lag changes smaller than this are not counted (0 for none)")
	fl.BoolVar(&anyProfile, "any-profile", false, "allow comparing runs of different profiles")
	return cmd
}

// parseThreshold reads --threshold: a percentage, "5%" or "5" (= 0.05).
func parseThreshold(s string) (float64, error) {
	t := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 10000 {
		return 0, fmt.Errorf("compare: --threshold %q: give a percentage from 0 to 10000, e.g. 5%%", s)
	}
	return v / 100, nil
}

// resolveRun reads a run named on the command line: a folder when arg is
// one, else a history id ("12" or "#12") of the history at path (opened
// once into *store), else a folder that does not exist (a usage error).
func resolveRun(ctx context.Context, st *globalState, arg, path string, store **history.Store) (*runs.Run, error) {
	if fi, err := os.Stat(arg); err == nil && fi.IsDir() || !errors.Is(err, fs.ErrNotExist) {
		return runs.Load(arg)
	}
	id, ok := parseRunID(arg)
	if !ok {
		return runs.Load(arg) // names the missing folder
	}
	if *store == nil {
		s, err := openHistory(ctx, st, path, true)
		if err != nil {
			return nil, err
		}
		*store = s
	}
	r, err := runs.FromHistory(ctx, *store, id)
	switch {
	case errors.Is(err, history.ErrNotFound):
		return nil, usagef("%s: no run #%d in the history %s (harness history list shows the ids)", arg, id, (*store).Path())
	case err != nil:
		return nil, withCode(ExitRuntime, err)
	}
	return r, nil
}
