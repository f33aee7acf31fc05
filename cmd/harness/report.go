package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/alexa-harness/harness/internal/loadgen"
)

// newReportCmd is "harness report DIR": re-render a saved load run.
func newReportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "report DIR",
		Short: "Re-render the summary and back-off compliance verdict of a saved (possibly partial) load run",
		Long: `report rebuilds a load run's summary from its directory (profile.yaml, results.bin,
attempts.jsonl and, for the embedded mock, journal.jsonl) and prints it as "harness load"
did. It works on a run cut short by Ctrl-C or a crash: the complete records are used.

Every file is checked: results.bin is decoded to its end and its record count
compared with summary.json's, every line of attempts.jsonl and journal.jsonl is
parsed (damaged lines are named by number, never skipped silently), and a missing,
corrupt or foreign file is named. A run whose data is damaged or partial gets no
plain verdict: it exits 4.

Exit codes: 0 the run met its thresholds; 1 a threshold failed; 2 DIR is not a run;
3 DIR could not be read; 4 the run's data is partial or damaged (the figures cover
only what could be read; the notes and DAMAGED lines say what).`,
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
			return renderLoad(cmd.OutOrStdout(), sum, "", false)
		},
	}
}
