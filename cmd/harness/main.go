// Command harness is the load and conformance test harness for the Alexa
// Credential Locker and Skill Credentials APIs (and Login with Amazon).
//
// It is a thin command line over the library packages: each subcommand lives
// in its own file here, parses flags and calls into internal/… packages.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// main builds the process state, applies the process-wide settings and
// runs the command line; everything else happens in run.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	st := newGlobalState()
	tuneProcess(st)
	code := run(ctx, st)
	stop()
	os.Exit(code)
}

// newRootCmd builds the command tree over the process state st.
func newRootCmd(st *globalState) *cobra.Command {
	root := &cobra.Command{
		Use:   "harness",
		Short: "Load and conformance test harness for the Alexa Credential Locker and Skill Credentials APIs",
		Long: `harness tests integrations with the Alexa Credential Locker API (Thread networks),
the SMAPI Skill Credentials API and Login with Amazon.

It ships a faithful mock of all three services, an executable contract in
Gherkin (conform), reference clients (client), a load generator with back-off
compliance checks (load, report), and the machine-readable contract (contract).

Exit codes: 0 success; 1 a check failed (scenario, threshold, API error);
2 bad usage or bad input; 3 the run could not be carried out; 4 the run's data is partial
or damaged (harness report: no verdict on what could not be read); 130 interrupted.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
		Args:          cobra.NoArgs,
		RunE:          helpAndFail,
	}
	root.SetVersionTemplate("harness {{.Version}}\n")
	root.AddCommand(
		newMockCmd(st),
		newContractCmd(),
		newClientCmd(st),
		newConformCmd(st),
		newLoadCmd(st),
		newReportCmd(),
		newCertifyCmd(st), newAdapterCmd(st),
		newHistoryCmd(st), newCompareCmd(st),
		newMergeCmd(),
	)
	return root
}

// helpAndFail is the action of a command that only groups others (a bare
// "harness" or "harness client"): it prints the command's help on stderr
// and is a usage error (exit 2), since nothing was done.
func helpAndFail(cmd *cobra.Command, _ []string) error {
	cmd.SetOut(cmd.ErrOrStderr())
	_ = cmd.Help()
	return usagef("%s needs a command: pick one of those listed above", cmd.CommandPath())
}
