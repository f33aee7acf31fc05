package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/reports"
)

// newReportCmd is "harness report DIR": re-render a saved load run.
func newReportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "report DIR",
		Short: "Re-render the summary and back-off compliance verdict of a saved (possibly partial) load run",
		Long: `report rebuilds a load run's summary from its directory (profile.yaml, results.bin,
attempts.jsonl and, for the embedded mock, journal.jsonl) and prints it as "harness load"
did. It works on a run cut short by Ctrl-C or a crash: the complete records are used.

Exit codes: 0 the run met its thresholds; 1 a threshold failed; 2 DIR is not a run.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sum, err := loadgen.Replay(args[0])
			if err != nil {
				var ue *loadgen.UsageError
				if errors.As(err, &ue) {
					return withCode(ExitUsage, err)
				}
				return withCode(ExitRuntime, err)
			}
			var b strings.Builder
			if err := reports.WriteLoad(&b, sum); err != nil {
				return withCode(ExitRuntime, fmt.Errorf("render summary: %w", err))
			}
			if _, err := io.WriteString(cmd.OutOrStdout(), b.String()); err != nil {
				return withCode(ExitRuntime, err)
			}
			if !sum.Pass {
				return withCode(ExitFailed, fmt.Errorf("thresholds failed: %s", strings.Join(sum.Failed(), ", ")))
			}
			return nil
		},
	}
}
