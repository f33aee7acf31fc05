package certify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/alexa-harness/harness/internal/conform"
	"github.com/alexa-harness/harness/internal/redact"
	"github.com/alexa-harness/harness/reports"
)

// The files of a certificate, in --out.
const (
	CertificateFile = "certificate.md"   // the Markdown summary a team attaches
	ResultFile      = "certificate.json" // the whole result, with the evidence
	JUnitFile       = "junit.xml"        // one test case per scenario
	CucumberFile    = "cucumber.json"    // godog's cucumber formatter
	StderrFile      = "stderr.txt"       // the adapter's stderr, call by call
)

// Files lists the certificate's files.
func Files() []string {
	return []string{CertificateFile, ResultFile, JUnitFile, CucumberFile, StderrFile}
}

func mkdirOut(dir string) error { return os.MkdirAll(dir, 0o755) }

func cucumberPath(dir string) string { return filepath.Join(dir, CucumberFile) }

// maxCallsShown bounds the calls the Markdown lists per scenario (the JSON
// has them all).
const maxCallsShown = 5

// WriteCertificate writes the certificate's files into dir (godog wrote
// cucumber.json there during the run): every one with every secret the run
// knows masked.
func WriteCertificate(dir string, res *Result) error {
	if err := mkdirOut(dir); err != nil {
		return fmt.Errorf("certificate: %w", err)
	}
	write := func(name string, f func(io.Writer) error) error {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			return fmt.Errorf("certificate %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(res.Scrub(b.String())), 0o644); err != nil {
			return fmt.Errorf("certificate: %w", err)
		}
		return nil
	}
	if err := write(CertificateFile, res.WriteMarkdown); err != nil {
		return err
	}
	if err := write(ResultFile, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}); err != nil {
		return err
	}
	if err := write(JUnitFile, func(w io.Writer) error {
		cr := conform.Result{Target: "certify " + res.Adapter, Tags: res.Tags, Started: res.Started, Duration: res.Duration,
			Interrupted: res.Interrupted, Aborted: res.Aborted}
		for _, s := range res.Scenarios {
			cr.Scenarios = append(cr.Scenarios, s.ScenarioResult)
		}
		return reports.WriteScenarioJUnit(w, cr)
	}); err != nil {
		return err
	}
	if err := write(StderrFile, res.writeStderr); err != nil {
		return err
	}
	// godog wrote the cucumber file itself: mask it in place.
	p := filepath.Join(dir, CucumberFile)
	if raw, err := os.ReadFile(p); err == nil {
		if err := os.WriteFile(p, []byte(res.Scrub(string(raw))), 0o644); err != nil {
			return fmt.Errorf("certificate: %w", err)
		}
	}
	return nil
}

// Scrub masks every secret the run knows in s (and anything that looks
// like an LWA token).
func (r *Result) Scrub(s string) string { return redact.Scrub(s, r.secrets...) }

func (r *Result) writeStderr(w io.Writer) error {
	for _, s := range r.Scenarios {
		for i, c := range s.Calls {
			if c.Stderr == "" {
				continue
			}
			fmt.Fprintf(w, "=== %s / %s: call %d (%s, exit %d)\n%s", s.Feature, s.Name, i+1, c.Operation, c.ExitCode, c.Stderr)
			if !strings.HasSuffix(c.Stderr, "\n") {
				fmt.Fprintln(w)
			}
			if c.StderrTruncated {
				fmt.Fprintln(w, "[stderr truncated: the adapter wrote more than the harness keeps]")
			}
		}
	}
	return nil
}

// WriteMarkdown writes the certificate's Markdown summary.
func (r *Result) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Client certificate\n\n")
	fmt.Fprintf(&b, "**%s**\n\n", r.Verdict())
	if r.Partial() {
		fmt.Fprintf(&b, "> **This is not a certificate.** The run was interrupted before it finished: %d scenarios were cancelled or never started, so no rule is graded on the whole suite. Run `harness certify` to its end.\n\n", r.abortedCount())
	}
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| adapter | `%s` |\n", mdCell(r.Adapter))
	if r.Description != "" {
		fmt.Fprintf(&b, "| what it is | %s |\n", mdCell(r.Description))
	}
	fmt.Fprintf(&b, "| operations | %s |\n", strings.Join(r.Operations, ", "))
	if r.Tags != "" {
		fmt.Fprintf(&b, "| tags | `%s` |\n", mdCell(r.Tags))
	}
	fmt.Fprintf(&b, "| max attempts (C3) | %d |\n| call time limit | %s |\n", r.MaxAttempts, r.CallTimeout)
	fmt.Fprintf(&b, "| started | %s |\n| duration | %s |\n\n", r.Started.UTC().Format(time.RFC3339), r.Duration.Round(time.Millisecond))

	fmt.Fprintf(&b, "## Rules\n\n| rule | what | passed | failed | not enough evidence | failed in |\n|---|---|---|---|---|---|\n")
	for _, rs := range r.Rules {
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %s |\n", rs.ID, mdCell(rs.Title), rs.Passed, rs.Failed, rs.Other, mdCell(strings.Join(rs.FailedIn, "; ")))
	}
	fmt.Fprintf(&b, "\nThe rules: docs/certify.md. C5 (amplification under sustained throttling) is graded by `harness load`, not here.\n\n")

	fmt.Fprintf(&b, "## Scenarios\n\n")
	for _, s := range r.Scenarios {
		mark := map[conform.Outcome]string{conform.Passed: "PASS", conform.Failed: "FAIL", conform.Skipped: "SKIP"}[s.Outcome]
		switch {
		case s.CouldNotRun:
			mark = "COULD NOT RUN"
		case s.Interrupted():
			mark = "ABORTED"
		}
		fmt.Fprintf(&b, "### %s: %s\n\n%s, %s", mark, mdCell(s.Name), mdCell(s.Feature), s.Duration.Round(time.Millisecond))
		switch {
		case s.Interrupted():
			fmt.Fprintf(&b, ". Aborted: the run was interrupted before this scenario finished")
		case s.Reason != "":
			fmt.Fprintf(&b, ". Skipped: %s", mdCell(s.Reason))
		}
		fmt.Fprintf(&b, "\n\n")
		if s.Failure != "" {
			fmt.Fprintf(&b, "```\n%s\n```\n\n", s.Failure)
		}
		if len(s.Checks) > 0 {
			fmt.Fprintf(&b, "| rule | result | figure |\n|---|---|---|\n")
			for _, c := range s.Checks {
				fmt.Fprintf(&b, "| %s | %s | %s |\n", c.Rule, c.Status, mdCell(c.Figure))
			}
			fmt.Fprintln(&b)
		}
		for i, c := range s.Calls {
			if i == maxCallsShown {
				fmt.Fprintf(&b, "… %d more calls (certificate.json lists them all)\n\n", len(s.Calls)-maxCallsShown)
				break
			}
			state := fmt.Sprintf("exit %d", c.ExitCode)
			if c.TimedOut {
				state = "killed at the call time limit"
			}
			fmt.Fprintf(&b, "- call %d `%s`: %s, at +%s for %s; the service saw:", i+1, c.Operation, state,
				c.Start.Round(time.Millisecond), c.Duration.Round(time.Millisecond))
			if len(c.Attempts) == 0 {
				fmt.Fprintf(&b, " nothing")
			}
			for _, a := range c.Attempts {
				fmt.Fprintf(&b, " [+%s %s %s", a.At.Round(time.Millisecond), a.Operation, statusText(a.Status))
				if a.RetryAfter > 0 {
					form := "s"
					if a.Date {
						form = "s as an HTTP-date"
					}
					fmt.Fprintf(&b, " Retry-After %d%s", a.RetryAfter, form)
				}
				if a.Gap != 0 {
					fmt.Fprintf(&b, ", gap %s", a.Gap.Round(time.Millisecond))
				}
				fmt.Fprintf(&b, "]")
			}
			if c.AttemptsOmitted > 0 {
				fmt.Fprintf(&b, " … and %d more", c.AttemptsOmitted)
			}
			fmt.Fprintln(&b)
		}
		if len(s.Calls) > 0 {
			fmt.Fprintln(&b)
		}
	}
	fmt.Fprintf(&b, "The adapter's stderr, secrets masked, is in %s.\n", StderrFile)
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCell keeps text inside one Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// WriteSummary writes the console summary: the rules, the scenarios that
// failed or were skipped with why, and the verdict.
func (r *Result) WriteSummary(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nRules (docs/certify.md):\n")
	for _, rs := range r.Rules {
		state := "pass"
		switch {
		case rs.Failed > 0:
			state = "FAIL"
		case rs.Passed == 0 && rs.Other == 0:
			state = "not graded"
		case rs.Other > 0:
			state = "NOT ENOUGH EVIDENCE"
		}
		fmt.Fprintf(&b, "  %-3s %-55s %-10s %d passed, %d failed\n", rs.ID, rs.Title, state, rs.Passed, rs.Failed)
	}
	var failed, skipped []ScenarioResult
	for _, s := range r.Scenarios {
		switch {
		case s.Outcome == conform.Failed:
			failed = append(failed, s)
		case s.Outcome == conform.Skipped && !s.Interrupted():
			skipped = append(skipped, s)
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(&b, "\nFailed scenarios:\n")
		for _, s := range failed {
			fmt.Fprintf(&b, "  %s\n    %s\n", s.Name, strings.ReplaceAll(s.Failure, "\n", "\n    "))
		}
	}
	if len(skipped) > 0 {
		reasons := map[string]int{}
		var order []string
		for _, s := range skipped {
			if reasons[s.Reason] == 0 {
				order = append(order, s.Reason)
			}
			reasons[s.Reason]++
		}
		fmt.Fprintf(&b, "\nSkipped scenarios:\n")
		for _, reason := range order {
			fmt.Fprintf(&b, "  %d: %s\n", reasons[reason], reason)
		}
	}
	if n := r.abortedCount(); n > 0 {
		fmt.Fprintf(&b, "\nAborted scenarios (the run was interrupted): %d\n", n)
	}
	fmt.Fprintf(&b, "\n%s (%s)\n", r.Verdict(), r.Duration.Round(time.Millisecond))
	_, err := io.WriteString(w, r.Scrub(b.String()))
	return err
}
