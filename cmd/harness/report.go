package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/alexa-harness/harness/internal/conform"
	"github.com/alexa-harness/harness/internal/history"
	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/internal/rundir"
	"github.com/alexa-harness/harness/internal/runs"
	"github.com/alexa-harness/harness/internal/userfile"
	"github.com/alexa-harness/harness/reports"
)

// newReportCmd is "harness report DIR": re-render a saved load or
// conformance run.
func newReportCmd() *cobra.Command {
	var format, output string
	cmd := &cobra.Command{
		Use:   "report DIR [--format text|html|markdown|json] [--output FILE]",
		Short: "Re-render the summary and back-off compliance verdict of a saved (possibly partial) load or conform run",
		Long: `report rebuilds a load run's summary from its directory (profile.yaml, results.bin,
attempts.jsonl, timeseries.jsonl and, for the embedded mock, journal.jsonl) and prints it as
"harness load" did, or as a self-contained HTML page, Markdown (a CI job summary) or JSON
(--format; see docs/report.md). It works on a run cut short by Ctrl-C or a crash: the
complete records are used. A folder of "harness conform --out" (conform.json) gets its
conformance report: the coverage matrix, failures and skips.

Every file is checked: results.bin is decoded to its end and its record count
compared with summary.json's, every line of attempts.jsonl and journal.jsonl is
parsed (damaged lines are named by number, never skipped silently), and a missing,
corrupt or foreign file is named. A run whose data is damaged or partial gets no
plain verdict: it exits 4. --output must lie outside DIR: the run's folder holds
only the run's own files, and is never written by report.

Exit codes: 0 the run met its thresholds (conform: passed); 1 a threshold (a scenario)
failed (conform: or a documented pair is not covered); 2 DIR is not a run, or a bad flag; 3 DIR could not be read or --output written;
4 the run's data is partial or damaged (the figures cover only what could be read; the
notes and DAMAGED lines say what), or a conform run was interrupted (its aborted
scenarios are counted apart from the skipped ones).`,
		Example: `  harness report runs/smoke-20261201T120000Z
  harness report out/nightly --format html -o nightly.html
  harness report out/conform --format markdown >> "$GITHUB_STEP_SUMMARY"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := reports.ParseFormat(format)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("report: %w", err))
			}
			dir := args[0]
			// A run folder belongs to its run: a report written into it
			// could overwrite (and so wreck) one of the run's files.
			if output != "" {
				inside, err := rundir.Contains(dir, output)
				if err != nil {
					return withCode(ExitRuntime, fmt.Errorf("report: --output %s: %w", output, err))
				}
				if inside {
					return usagef("report: --output %s is inside the run folder %s, whose files are the run's: write the report outside it (e.g. -o %s)",
						output, dir, filepath.Base(filepath.Clean(dir))+"-"+filepath.Base(output))
				}
			}
			var buf bytes.Buffer
			verdict, err := renderSaved(&buf, f, dir, time.Now())
			if err != nil {
				return err
			}
			if output == "" {
				if _, err := cmd.OutOrStdout().Write(buf.Bytes()); err != nil {
					return withCode(ExitRuntime, err)
				}
				return verdict
			}
			if err := os.WriteFile(output, buf.Bytes(), 0o644); err != nil {
				return withCode(ExitRuntime, fmt.Errorf("report: --output: %w", err))
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "report: %s report written to %s\n", f, output)
			return verdict
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&format, "format", string(reports.FormatText), "text, html, markdown (md) or json")
	fl.StringVarP(&output, "output", "o", "", "write the report to this file instead of standard output")
	return cmd
}

// renderSaved writes the report of the saved run folder dir in format f
// to w and returns its verdict (the exit code's error, nil for a pass); a
// folder that cannot be rendered is err.
func renderSaved(w io.Writer, f reports.Format, dir string, now time.Time) (verdict, err error) {
	res, err := readConformRun(dir)
	if err != nil {
		return nil, err
	}
	if res != nil {
		if err := reports.WriteConformFormat(w, f, reports.ConformReport{Result: *res, Generated: now}); err != nil {
			return nil, withCode(ExitRuntime, fmt.Errorf("render the conformance report: %w", err))
		}
		return conformVerdict(res, false), nil
	}
	sum, err := loadgen.Replay(dir)
	if err != nil {
		var ue *loadgen.UsageError
		if errors.As(err, &ue) {
			return nil, withCode(ExitUsage, err)
		}
		return nil, withCode(ExitRuntime, err)
	}
	if f == reports.FormatText {
		return renderLoad(w, sum, "", false), nil
	}
	if err := reports.WriteLoadFormat(w, f, reports.NewLoadReport(sum, dir, now)); err != nil {
		return nil, withCode(ExitRuntime, fmt.Errorf("render the %s report: %w", f, err))
	}
	return loadVerdict(sum, false), nil
}

// readConformRun reads dir/conform.json (runs.ConformFile) when dir is a
// conformance run folder: nil, nil when there is no such file (a load run).
// The file is read bounded (userfile.Read, history.MaxSummary) and parsed
// by conform.ParseResult; a damaged one is exit 4, an unreadable one 3.
func readConformRun(dir string) (*conform.Result, error) {
	path := filepath.Join(dir, runs.ConformFile)
	b, err := userfile.Read(path, history.MaxSummary)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case errors.Is(err, userfile.ErrTooLarge), errors.Is(err, userfile.ErrNotRegular):
		return nil, withCode(ExitPartial, fmt.Errorf("DAMAGED: %w", err))
	case err != nil:
		return nil, withCode(ExitRuntime, err)
	}
	res, err := conform.ParseResult(b)
	if err != nil {
		return nil, withCode(ExitPartial, fmt.Errorf("DAMAGED: %s: %w, so this is no verdict on the run", path, err))
	}
	return res, nil
}
