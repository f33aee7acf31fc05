package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/alexa-harness/harness/internal/changepoint"
	"github.com/alexa-harness/harness/internal/history"
	"github.com/alexa-harness/harness/internal/runs"
	"github.com/alexa-harness/harness/reports"
)

// historyFlags are the flags of a command that records its run in the
// history: --history FILE records there, --record records in the default
// history (history.DefaultPath).
type historyFlags struct {
	path   string
	record bool
}

// addRecordFlags adds --history and --record to a command that runs
// something (load, conform).
func (h *historyFlags) addRecordFlags(f *pflag.FlagSet) {
	f.StringVar(&h.path, "history", "", "record the finished run in this history database (SQLite; see harness history)")
	f.BoolVar(&h.record, "record", false, "record the finished run in the default history ($XDG_STATE_HOME/harness/history.db)")
}

// check refuses, before the run starts and creating nothing, a --history
// (or the default history of --record) that cannot be a history database
// (history.Check): a usage error naming the flag, so a run is never carried
// out only to have its recording refused at the end.
func (h *historyFlags) check(command string, st *globalState) error {
	if h.path == "" && !h.record {
		return nil
	}
	path, flag := h.path, "--history "+h.path
	if path == "" {
		p, err := history.DefaultPath(st.LookupEnv)
		if err != nil {
			return withCode(ExitUsage, fmt.Errorf("%s: --record: %w", command, err))
		}
		path, flag = p, "--record (history "+p+")"
	}
	if err := history.Check(path); err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return withCode(ExitRuntime, fmt.Errorf("%s: %s: %w", command, flag, err))
		}
		return withCode(ExitUsage, fmt.Errorf("%s: %s: %w", command, flag, err))
	}
	return nil
}

// recordRun records the finished run in folder dir when --history or
// --record was given, and says so on w. A partial or damaged run is not
// recorded (the history feeds change-point detection); that is said on w
// and is no error. Any other failure is returned (exit 3).
func (h *historyFlags) recordRun(ctx context.Context, st *globalState, dir string, w io.Writer) error {
	if h.path == "" && !h.record {
		return nil
	}
	if ctx.Err() != nil {
		fmt.Fprintln(w, "history: not recorded: the run was interrupted")
		return nil
	}
	store, err := openHistory(ctx, st, h.path, false)
	if err != nil {
		return err
	}
	defer store.Close()
	id, err := runs.Record(ctx, store, dir, currentEnv(ctx, st))
	switch {
	case errors.Is(err, runs.ErrPartial), errors.Is(err, runs.ErrDamaged):
		fmt.Fprintf(w, "history: %v\n", err)
		return nil
	case err != nil:
		return withCode(ExitRuntime, fmt.Errorf("history: %w", err))
	}
	fmt.Fprintf(w, "history: recorded as run #%d in %s (harness compare %d %s)\n", id, store.Path(), id, dir)
	return nil
}

// currentEnv is where this process runs (runs.BuildEnv): the host, the
// binary's build info and $HARNESS_GIT_REVISION; when neither gives a git
// revision (a binary built with -buildvcs=false, go run), the HEAD of the
// git work tree the harness runs in (gitHead), if any.
func currentEnv(ctx context.Context, st *globalState) history.Env {
	info, _ := debug.ReadBuildInfo()
	host, _ := os.Hostname()
	env := runs.BuildEnv(info, host, st.LookupEnv)
	if env.GitRevision == "" {
		env.GitRevision = gitHead(ctx)
	}
	return env
}

// gitHead returns "git rev-parse HEAD" in the current directory, "" when
// git is missing, this is no work tree, or it takes over two seconds.
func gitHead(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "--verify", "-q", "HEAD").Output()
	rev := strings.TrimSpace(string(out))
	if err != nil || len(rev) < 7 || len(rev) > 64 || strings.Trim(rev, "0123456789abcdef") != "" {
		return ""
	}
	return rev
}

// openHistory opens the history database at path, or at the default path
// when path is "". With mustExist a missing database is a usage error
// (reading commands must not create an empty one).
func openHistory(ctx context.Context, st *globalState, path string, mustExist bool) (*history.Store, error) {
	if path == "" {
		p, err := history.DefaultPath(st.LookupEnv)
		if err != nil {
			return nil, withCode(ExitUsage, err)
		}
		path = p
	}
	if mustExist {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, usagef("history %s: no such database: record runs first (harness load --record, or harness history record DIR), or pass --history FILE", path)
		}
	}
	store, err := history.Open(ctx, path)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, withCode(ExitRuntime, err)
		}
		return nil, withCode(ExitUsage, fmt.Errorf("--history %s: %w", path, err))
	}
	return store, nil
}

// parseRunID reads a history run id ("12" or "#12"); ok is false for
// anything else.
func parseRunID(s string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	return id, err == nil && id > 0
}

// newHistoryCmd is "harness history": list, show and record runs, and find
// change points over a metric's history.
func newHistoryCmd(st *globalState) *cobra.Command {
	var (
		path      string
		profile   string
		kind      string
		limit     int
		format    string
		detect    bool
		metric    string
		operation string
	)
	cmd := &cobra.Command{
		Use:   "history [list | show ID | record DIR] [--history FILE] | history --detect [--metric p99] [--operation all] [--profile P]",
		Short: "List, show and record runs in the run history, and find since when a metric shifted",
		Long: `history reads the run history: an SQLite file (default $XDG_STATE_HOME/harness/history.db,
or ~/.local/state/harness/history.db) that "harness load --record" (or --history FILE) and
"harness history record DIR" fill with each finished run's profile, environment (git
revision, host, harness version), summary and per-interval samples.

  harness history [list]        runs, newest first (--profile, --kind, --limit)
  harness history show ID       one run: environment and each series' median
  harness history record DIR    record a finished run folder (a partial or damaged run is refused)
  harness history --detect      change points over the history of one metric (--metric p99,
                                --operation all, --profile P: default the newest load run's):
                                E-divisive means (Matteson & James 2014) over each run's median,
                                naming the run where each persistent shift began

Metrics: p50, p90, p99, lag_p99 (seconds), achieved_rate (per second), error_ratio,
throttled_ratio (fractions of the hits sent). Operations: a contract operation or "all".

Exit codes: 0 done (--detect: also when no change point is found in enough runs); 2 bad
usage, no such run or database; 3 the database could not be read or written; 4 record: the
run is partial or damaged; --detect: too few runs (under six) to find any change point, so no verdict.`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := reports.ParseFormat(format)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if f == reports.FormatHTML {
				return usagef("history: --format html is not offered: use text, markdown (--detect) or json")
			}
			if limit < 0 || limit > history.MaxList {
				return usagef("history: --limit %d: use 1 to %d (0 for the default %d)", limit, history.MaxList, history.DefaultList)
			}
			if kind != "" && kind != history.KindLoad && kind != history.KindConform && kind != history.KindCertify {
				return usagef("history: --kind %q: use %s, %s or %s", kind, history.KindLoad, history.KindConform, history.KindCertify)
			}
			ctx, w := cmd.Context(), cmd.OutOrStdout()
			sub := "list"
			if len(args) > 0 {
				sub = args[0]
			}
			if detect {
				if len(args) > 0 {
					return usagef("history --detect takes no arguments (got %q)", strings.Join(args, " "))
				}
				return historyDetect(ctx, st, w, f, path, metric, operation, profile)
			}
			switch {
			case sub == "list" && len(args) <= 1:
				store, err := openHistory(ctx, st, path, true)
				if err != nil {
					return err
				}
				defer store.Close()
				list, err := store.List(ctx, history.Filter{Kind: kind, Profile: profile, Limit: limit})
				if err != nil {
					return withCode(ExitRuntime, err)
				}
				return reports.WriteHistoryList(w, f, store.Path(), list)
			case sub == "show" && len(args) == 2:
				id, ok := parseRunID(args[1])
				if !ok {
					return usagef("history show %q: give a run id, a whole number from harness history list", args[1])
				}
				store, err := openHistory(ctx, st, path, true)
				if err != nil {
					return err
				}
				defer store.Close()
				r, err := runs.FromHistory(ctx, store, id)
				if errors.Is(err, history.ErrNotFound) {
					return withCode(ExitUsage, fmt.Errorf("history show %d: %w (harness history list shows the ids)", id, err))
				} else if err != nil {
					return withCode(ExitRuntime, err)
				}
				return reports.WriteHistoryRun(w, f, r)
			case sub == "record" && len(args) == 2:
				store, err := openHistory(ctx, st, path, false)
				if err != nil {
					return err
				}
				defer store.Close()
				id, err := runs.Record(ctx, store, args[1], currentEnv(ctx, st))
				if err != nil {
					return withCode(runErrCode(err), err)
				}
				fmt.Fprintf(w, "recorded %s as run #%d in %s\n", args[1], id, store.Path())
				return nil
			}
			return usagef("history %s: use history [list], history show ID, history record DIR or history --detect", strings.Join(args, " "))
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&path, "history", "", "history database (default $XDG_STATE_HOME/harness/history.db)")
	fl.StringVar(&profile, "profile", "", "only runs of this profile name (--detect: default the newest load run's)")
	fl.StringVar(&kind, "kind", "", "list: only runs of this kind (load, conform, certify)")
	fl.IntVar(&limit, "limit", 0, fmt.Sprintf("list: at most this many runs, newest first (default %d)", history.DefaultList))
	fl.StringVar(&format, "format", "text", "text or json (--detect also markdown)")
	fl.BoolVar(&detect, "detect", false, "find change points over the history of --metric of --operation")
	fl.StringVar(&metric, "metric", runs.MetricP99, "--detect: the metric ("+strings.Join(runs.Metrics(), ", ")+")")
	fl.StringVar(&operation, "operation", "all", `--detect: the operation, or "all"`)
	return cmd
}

// runErrCode maps an error of runs.Load/Record to the exit code: a path
// that is not a run is bad input (2), damaged or partial data 4, else 3.
func runErrCode(err error) int {
	switch {
	case errors.Is(err, runs.ErrNotRun):
		return ExitUsage
	case errors.Is(err, runs.ErrDamaged), errors.Is(err, runs.ErrPartial):
		return ExitPartial
	}
	return ExitRuntime
}

func historyDetect(ctx context.Context, st *globalState, w io.Writer, f reports.Format, path, metric, operation, profile string) error {
	known := false
	for _, m := range runs.Metrics() {
		known = known || m == metric
	}
	if !known {
		return usagef("history --detect: --metric %q: use one of %s", metric, strings.Join(runs.Metrics(), ", "))
	}
	if operation == "" || len(operation) > history.MaxName {
		return usagef("history --detect: --operation: give an operation name or \"all\"")
	}
	store, err := openHistory(ctx, st, path, true)
	if err != nil {
		return err
	}
	defer store.Close()
	if profile == "" {
		newest, err := store.List(ctx, history.Filter{Kind: history.KindLoad, Limit: 1})
		if err != nil {
			return withCode(ExitRuntime, err)
		}
		if len(newest) == 0 {
			return usagef("history --detect: %s holds no load runs: record some first", store.Path())
		}
		profile = newest[0].ProfileName
	}
	pts, err := store.Series(ctx, metric, operation, profile)
	if err != nil {
		return withCode(ExitRuntime, err)
	}
	if len(pts) == 0 {
		return usagef("history --detect: no run of profile %q in %s has samples of %s/%s: check --profile, --operation and --metric",
			profile, store.Path(), operation, metric)
	}
	vals := make([]float64, len(pts))
	for i, p := range pts {
		vals[i] = p.Value
	}
	cps, err := changepoint.Detect(vals)
	if err != nil {
		return withCode(ExitRuntime, fmt.Errorf("history --detect: %w", err))
	}
	note, tooFew := "", len(pts) < 2*changepoint.DefaultMinSize
	if tooFew {
		note = fmt.Sprintf("%d runs are too few to find a change point: it takes at least %d on each side (%d in all)",
			len(pts), changepoint.DefaultMinSize, 2*changepoint.DefaultMinSize)
	}
	noVerdict := tooFew && len(cps) == 0
	if err := reports.WriteDetection(w, f, reports.Detection{Database: store.Path(), Metric: metric, Operation: operation, Profile: profile,
		Points: pts, Changes: cps, Significance: changepoint.DefaultSignificance, Note: note, NoVerdict: noVerdict}); err != nil {
		return withCode(ExitRuntime, err)
	}
	if noVerdict {
		// Finding nothing in too few runs says nothing: not a pass (exit 0).
		return withCode(ExitPartial, fmt.Errorf("history --detect: not enough runs: no verdict (%s)", note))
	}
	return nil
}
