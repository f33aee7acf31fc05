package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/conform"
	"github.com/alexa-harness/harness/internal/runs"
	"github.com/alexa-harness/harness/reports"
)

// newConformCmd runs the executable contract (features/) against the mock or
// a real target.
func newConformCmd(st *globalState) *cobra.Command {
	var (
		target      string
		tags        string
		concurrency int
		format      string
		out         string
		allowWrites bool
		maxRequests int64
		rate        float64
		timeout     time.Duration
		scenTimeout time.Duration
		overwrite   bool
		hist        historyFlags
	)
	cmd := &cobra.Command{
		Use:   "conform",
		Short: "Run the conformance suite (Gherkin contract) against the mock or real endpoints",
		Long: `conform runs the executable contract of the Credential Locker, SMAPI skill
credentials and Login with Amazon APIs (the embedded features/*.feature) with godog.

With no flags it starts the mock on a free loopback port and runs every scenario.
--target real uses the HARNESS_* variables (HARNESS_LOCKER_URL, HARNESS_SMAPI_URL,
HARNESS_LWA_URL, HARNESS_LWA_CLIENT_ID, HARNESS_LWA_CLIENT_SECRET,
HARNESS_CUSTOMER_REFRESH_TOKEN, HARNESS_VENDOR_REFRESH_TOKEN, HARNESS_SKILL_ID, and
optionally HARNESS_CUSTOMER_B_REFRESH_TOKEN, HARNESS_NOSCOPE_REFRESH_TOKEN,
HARNESS_OTHER_VENDOR_REFRESH_TOKEN). Real mode never calls the mock's control API,
skips @mock-only scenarios and those whose identity is missing, runs @writes
scenarios only with --allow-writes, and paces requests (default 5/s, 1000 at most).
--timeout (default 10m) bounds the whole run and --scenario-timeout (default 2m)
each scenario: past them the scenarios still running or not started fail as
aborted, so a hanging server cannot hold the run.

It prints a coverage matrix (operation x documented status) and the skipped
scenarios with their reasons, and exits 1 when a scenario failed or a documented
pair is covered by no scenario, 2 when --tags selects no scenario, 130 when
interrupted (Ctrl-C): with --out the files are still written, marked interrupted
(conform.json "interrupted", the aborted scenarios as JUnit errors), and
"harness report DIR" on them exits 4.`,
		Example: `  harness conform
  harness conform --tags '@op:token' --format pretty
  harness conform --out out/conform
  HARNESS_LWA_CLIENT_ID=... harness conform --target real --allow-writes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case target != conform.TargetMock && target != conform.TargetReal:
				return usagef("--target %q: use mock or real", target)
			case format != "pretty" && format != "progress" && format != "none":
				return usagef("--format %q: use pretty, progress or none", format)
			case concurrency < 0:
				return usagef("--concurrency %d: use a positive number (0 = default)", concurrency)
			case math.IsNaN(rate) || math.IsInf(rate, 0) || rate < 0 || (rate == 0 && cmd.Flags().Changed("rate")):
				return usagef("--rate %g: use a finite number of requests per second above 0 (leave it out for the default 5)", rate)
			case timeout <= 0:
				return usagef("--timeout %s: use a positive duration such as 10m", timeout)
			case scenTimeout <= 0:
				return usagef("--scenario-timeout %s: use a positive duration such as 2m", scenTimeout)
			case maxRequests < 0:
				return usagef("--max-requests %d: use a positive number (0 = default)", maxRequests)
			case target == conform.TargetMock && allowWrites:
				// Harmless, but say so: the mock always runs @writes.
				fmt.Fprintln(cmd.ErrOrStderr(), "harness conform: --allow-writes applies to --target real only (against the mock every @writes scenario runs)")
			}
			if err := hist.check("conform", st); err != nil {
				return err
			}
			if out != "" {
				if err := claimOut(&out, "", "", "conform", overwrite); err != nil {
					return err
				}
			} else if overwrite {
				return usagef("conform: --overwrite needs --out DIR")
			} else if hist.path != "" || hist.record {
				return usagef("conform: --history and --record need --out DIR (the run is recorded from its folder)")
			}
			opt := conform.Options{
				Target: target, Tags: tags, Concurrency: concurrency, Format: format,
				Output: cmd.OutOrStdout(), OutDir: out, AllowWrites: allowWrites,
				MaxRequests: maxRequests, Rate: rate, Timeout: timeout, ScenarioTimeout: scenTimeout,
			}
			if target == conform.TargetReal {
				opt.Clients = clients.FromEnv(st.Getenv)
			}
			res, err := conform.Run(cmd.Context(), opt)
			if res != nil {
				res.Host = st.host()
			}
			if err != nil {
				if errors.Is(err, conform.ErrOptions) {
					return withCode(ExitUsage, err)
				}
				if cmd.Context().Err() != nil {
					if res == nil {
						return withCode(ExitInterrupted, err)
					}
					// Keep what did run; the rest is "aborted: interrupted",
					// and every file says the run is partial.
					w := cmd.OutOrStdout()
					fmt.Fprintln(w)
					_ = reports.WriteConformSummary(w, *res)
					if out != "" {
						if werr := writeConformFiles(out, *res); werr != nil {
							fmt.Fprintf(cmd.ErrOrStderr(), "harness conform: write the partial run's files: %v\n", werr)
						}
					}
					return conformVerdict(res, true)
				}
				return withCode(ExitRuntime, err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintln(w)
			if err := reports.WriteCoverage(w, res.Coverage); err != nil {
				return withCode(ExitRuntime, err)
			}
			if err := reports.WriteSkippedScenarios(w, res.Scenarios); err != nil {
				return withCode(ExitRuntime, err)
			}
			if out != "" {
				if err := writeConformFiles(out, *res); err != nil {
					return withCode(ExitRuntime, err)
				}
				fmt.Fprintf(w, "Reports: %s\n", filepath.Join(out, "{"+conform.CucumberFile+","+conform.JUnitFile+",coverage.xml,conform.json,report.html,report.md}"))
			}
			if err := reports.WriteConformSummary(w, *res); err != nil {
				return withCode(ExitRuntime, err)
			}
			verdict := conformVerdict(res, true)
			if out != "" {
				if err := hist.recordRun(cmd.Context(), st, out, cmd.ErrOrStderr()); err != nil && verdict == nil {
					return err
				}
			}
			return verdict
		},
	}
	f := cmd.Flags()
	hist.addRecordFlags(f)
	f.StringVar(&target, "target", conform.TargetMock, "mock (start the embedded mock) or real (HARNESS_* endpoints)")
	f.StringVar(&tags, "tags", "", "godog tag expression, e.g. '@op:token && ~@mock-only'")
	f.IntVar(&concurrency, "concurrency", 0, "scenarios run at once (0 = 16 against the mock, 2 against a real target)")
	f.StringVar(&format, "format", "progress", "console output: pretty, progress or none")
	f.StringVar(&out, "out", "", "directory for cucumber.json (godog), junit.xml (one test case per scenario), coverage.xml, conform.json, report.html and report.md")
	f.BoolVar(&overwrite, "overwrite", false, "with --out: replace the earlier harness run in that folder (a run owns its folder)")
	f.BoolVar(&allowWrites, "allow-writes", false, "real target: run @writes scenarios (they create Thread networks)")
	f.Int64Var(&maxRequests, "max-requests", 0, "request budget (0 = 1000 against a real target, none against the mock)")
	f.Float64Var(&rate, "rate", 0, "requests per second at most (0 = 5 against a real target, none against the mock)")
	f.DurationVar(&timeout, "timeout", conform.DefaultTimeout, "the whole run at most; scenarios still running or not started then fail as aborted")
	f.DurationVar(&scenTimeout, "scenario-timeout", conform.DefaultScenarioTimeout, "each scenario at most (its requests are cancelled)")
	return cmd
}

// writeConformFiles writes the scenarios and the coverage as JUnit and the
// result as JSON beside godog's cucumber.json.
func writeConformFiles(dir string, res conform.Result) error {
	j, err := os.Create(filepath.Join(dir, conform.JUnitFile))
	if err != nil {
		return err
	}
	if err := reports.WriteScenarioJUnit(j, res); err != nil {
		j.Close()
		return err
	}
	if err := j.Close(); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "coverage.xml"))
	if err != nil {
		return err
	}
	if err := reports.WriteCoverageJUnit(f, res); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, runs.ConformFile), append(b, '\n'), 0o644); err != nil {
		return err
	}
	r := reports.ConformReport{Result: res, Generated: time.Now()}
	return writeRunReports(dir, func(w io.Writer, f reports.Format) error { return reports.WriteConformFormat(w, f, r) })
}

// conformVerdict maps a conformance result to the command's exit (the one
// mapping of conform and report, as loadVerdict is for load runs): nil for
// a pass; a live interrupted run 130, a saved one 4 (partial: no verdict
// on the whole suite, whatever its scenarios did); 1 for a failure.
func conformVerdict(res *conform.Result, live bool) error {
	switch {
	case live && res.Partial():
		return withCode(ExitInterrupted, errors.New("conformance run interrupted: "+res.Verdict()))
	case res.Partial():
		return withCode(ExitPartial, errors.New("the conformance run is partial: "+res.Verdict()))
	case !res.OK():
		return withCode(ExitFailed, errors.New("conformance failed: "+res.Verdict()))
	}
	return nil
}
