// Command harness is the load and conformance test harness for the Alexa
// Credential Locker and Skill Credentials APIs (and Login with Amazon).
//
// It is a thin command line over the library packages: each subcommand lives
// in its own file here, parses flags and calls into internal/… packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

// run executes the command line and returns the process exit code.
func run(ctx context.Context, args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(root.ErrOrStderr(), "harness:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if ctx.Err() != nil {
		return ExitInterrupted
	}
	// Cobra's own flag and argument errors are usage errors.
	return ExitUsage
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "harness",
		Short: "Load and conformance test harness for the Alexa Credential Locker and Skill Credentials APIs",
		Long: `harness tests integrations with the Alexa Credential Locker API (Thread networks),
the SMAPI Skill Credentials API and Login with Amazon.

It ships a faithful mock of all three services, an executable contract in
Gherkin (conform), reference clients (client), a load generator with back-off
compliance checks (load, report), and the machine-readable contract (contract).

Exit codes: 0 success; 1 a check failed (scenario, threshold, API error);
2 bad usage or bad input; 3 the run could not be carried out; 130 interrupted.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newMockCmd(),
		newContractCmd(),
		newClientCmd(),
		newConformCmd(),
		newLoadCmd(),
		newReportCmd(),
	)
	return root
}
