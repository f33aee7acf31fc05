package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/alexa-harness/harness/internal/certify"
)

// newCertifyCmd certifies a skill team's own client through its adapter
// command (docs/certify.md), or, with no --client, the bundled reference
// adapter (this binary's `harness adapter`).
func newCertifyCmd(st *globalState) *cobra.Command {
	var (
		client      string
		operations  string
		tags        string
		out         string
		callTimeout time.Duration
		concurrency int
		format      string
		maxAttempts int
		overwrite   bool
	)
	cmd := &cobra.Command{
		Use:   "certify",
		Short: "Certify a skill team's own client against every documented answer (embedded mock)",
		Long: `certify grades the client a skill team wrote, in any language, against every
documented answer of Credential Locker, SMAPI skill credentials and Login with
Amazon. It runs the team's adapter command once per call ('CMD ARGS... OPERATION',
JSON on stdin and stdout, the HARNESS_* environment; docs/certify.md), each
scenario of features/certify against a mock of its own on loopback, and grades
what the mock saw: the back-off rules C1-C7, the token rules T1-T3, the
pagination rules P1-P2 and the outcome X1.

With no --client it certifies the bundled reference adapter (this binary's
'harness adapter'), so it works on a fresh machine with Go only.

--out DIR receives the certificate: certificate.md (attach it to a skill
submission), certificate.json (every call and attempt), junit.xml,
cucumber.json and stderr.txt (the adapter's stderr, secrets masked).

Exit codes: 0 every scenario passed; 1 a rule failed; 2 bad usage (the adapter
cannot be found or run, bad flags); 3 certification could not run; 130
interrupted (Ctrl-C): the files in --out are still written and say
INTERRUPTED — NOT CERTIFIED (certificate.json "interrupted", the aborted
scenarios as JUnit errors).`,
		Example: `  harness certify
  harness certify --client 'python3 examples/clients/python/adapter.py' --out out/certify
  harness certify --client 'node examples/clients/node/adapter.mjs'
  harness certify --client 'node examples/clients/ask-smapi-sdk/adapter.js' --operations skill-credentials`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			var a certify.Adapter
			description := ""
			if client == "" && cmd.Flags().Changed("client") {
				return usagef("--client '': give the adapter command, 'CMD ARGS...', or leave --client out to certify the bundled reference adapter")
			}
			if client == "" {
				exe, err := os.Executable()
				if err != nil {
					return withCode(ExitRuntime, fmt.Errorf("locate this binary for the bundled reference adapter: %w: give --client", err))
				}
				a = certify.Adapter{Argv: []string{exe, "adapter"}}
				description = "the bundled reference adapter (harness adapter, over internal/clients with the Standard retry policy)"
			} else {
				var err error
				if a, err = certify.ParseCommand(client); err != nil {
					return withCode(ExitUsage, err)
				}
			}
			if err := a.Check(); err != nil {
				return withCode(ExitUsage, err)
			}
			var ops []string
			if operations != "" {
				for _, op := range strings.Split(operations, ",") {
					if op = strings.TrimSpace(op); op != "" {
						ops = append(ops, op)
					}
				}
				if len(ops) == 0 {
					return usagef("--operations %q: name at least one of %s", operations, strings.Join(certify.Operations(), ","))
				}
			}
			if callTimeout <= 0 {
				return usagef("--call-timeout %s: use a positive duration such as 120s", callTimeout)
			}
			if format != "progress" && format != "pretty" && format != "none" {
				return usagef("--format %q: use progress, pretty or none", format)
			}
			if maxAttempts <= 0 {
				return usagef("--max-attempts %d: use a positive number of attempts (the first included)", maxAttempts)
			}
			if out == "" && overwrite {
				return usagef("certify: --overwrite needs --out DIR")
			}
			opt := certify.Options{
				Adapter: a, Description: description, Operations: ops, Tags: tags, OutDir: out,
				CallTimeout: callTimeout, Concurrency: concurrency, Format: format, Output: w,
				MaxAttempts: maxAttempts, Env: certify.BaseEnv(st.Getenv),
			}
			// Every option is checked before anything is printed, claimed
			// or started.
			if err := certify.CheckOptions(opt); err != nil {
				if errors.Is(err, certify.ErrCouldNotRun) {
					return withCode(ExitRuntime, err)
				}
				return withCode(ExitUsage, err)
			}
			if out != "" {
				// A run owns its folder (internal/rundir): never mixed with an
				// earlier certificate.
				if err := claimOut(&out, "", "", "certify", overwrite); err != nil {
					return err
				}
				opt.OutDir = out
			}
			if client == "" {
				fmt.Fprintln(w, "No --client given: certifying the bundled reference adapter ("+a.String()+" OPERATION).")
			}
			fmt.Fprintf(w, "Certifying %s\n\n", a)
			res, err := certify.Run(cmd.Context(), opt)
			switch {
			case errors.Is(err, certify.ErrOptions):
				return withCode(ExitUsage, err)
			case err != nil && cmd.Context().Err() != nil:
				if res == nil {
					return withCode(ExitInterrupted, err)
				}
				// Keep what did run: every file says INTERRUPTED — NOT
				// CERTIFIED and marks the aborted scenarios.
				_ = res.WriteSummary(w)
				if out != "" {
					if werr := certify.WriteCertificate(out, res); werr != nil {
						fmt.Fprintf(cmd.ErrOrStderr(), "harness certify: write the interrupted run's files: %v\n", werr)
					}
				}
				return withCode(ExitInterrupted, errors.New(res.Verdict()))
			case err != nil:
				return withCode(ExitRuntime, err)
			}
			if err := res.WriteSummary(w); err != nil {
				return withCode(ExitRuntime, err)
			}
			if out != "" {
				if err := certify.WriteCertificate(out, res); err != nil {
					return withCode(ExitRuntime, err)
				}
				fmt.Fprintf(w, "Certificate: %s\n", filepath.Join(out, "{"+strings.Join(certify.Files(), ",")+"}"))
			}
			switch {
			case res.CouldNotRun():
				return withCode(ExitRuntime, errors.New("certification could not run every scenario: "+res.Verdict()))
			case !res.OK():
				return withCode(ExitFailed, errors.New(res.Verdict()))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&client, "client", "", "the adapter command, 'CMD ARGS...' (split like a shell, no shell run); default: the bundled reference adapter")
	f.StringVar(&operations, "operations", "", "comma-separated operations the adapter implements (default all: "+strings.Join(certify.Operations(), ",")+"); the others' scenarios are skipped")
	f.StringVar(&tags, "tags", "", "godog tag expression selecting scenarios, e.g. '@rule:C1' or '@op:get-networks'")
	f.StringVar(&out, "out", "", "directory for the certificate (certificate.md, certificate.json, junit.xml, cucumber.json, stderr.txt)")
	f.DurationVar(&callTimeout, "call-timeout", certify.DefaultCallTimeout, "time limit of one adapter invocation; a call still running is killed and counts as never giving up")
	f.IntVar(&concurrency, "concurrency", 0, fmt.Sprintf("scenarios run at once (0 = %d)", certify.DefaultConcurrency))
	f.StringVar(&format, "format", "progress", "console output: progress, pretty or none")
	f.BoolVar(&overwrite, "overwrite", false, "with --out: replace the earlier harness run in that folder (a run owns its folder)")
	f.IntVar(&maxAttempts, "max-attempts", certify.DefaultMaxAttempts, "the most attempts a call may make, the first included (rule C3)")
	return cmd
}
