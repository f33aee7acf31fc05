package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/alexa-harness/harness/internal/merge"
	"github.com/alexa-harness/harness/internal/rundir"
)

// newMergeCmd is "harness merge DIR... --out DIR": one run from N shards.
func newMergeCmd() *cobra.Command {
	var (
		out       string
		overwrite bool
	)
	cmd := &cobra.Command{
		Use:   "merge SHARD-DIR... --out DIR",
		Short: "Merge the run folders of the N shards of one load run (harness load --shard I/N) into one run",
		Long: `merge makes one load run from the folders of the N shards of a run
(harness load --shard I/N, every one with the same profile, N and --start-at).

The shards' raw results are written into one results.bin and the merged summary is
rebuilt from it as "harness report" does: counts and statuses summed, latency
percentiles exact (the HDR histograms of the union of the results, not a blend of the
shards' percentiles), the planned/sent/unsent accounting summed, back-off compliance
graded over the union of the shards' attempt logs. The time series is merged interval
by interval. "harness report DIR" works on the merged folder.

It refuses (exit 2, naming it) a folder that is not a finished shard run, shards of
different profiles, N or --start-at, and a missing or duplicated shard.

Exit codes: as "harness report" on the merged run (0 thresholds met, 1 a threshold
failed, 4 partial or damaged); 2 the shards were refused; 3 the merge could not be written.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("merge: --out DIR is required (a new or empty folder for the merged run)")
			}
			// The shards are checked before --out is claimed: a refused
			// merge leaves no folder behind.
			in, err := merge.Check(args)
			if err != nil {
				var ie *merge.InputError
				if errors.As(err, &ie) {
					return withCode(ExitUsage, err)
				}
				return withCode(ExitRuntime, err)
			}
			for _, d := range in.Dirs() {
				if inside, err := rundir.Contains(d, out); err != nil {
					return withCode(ExitRuntime, fmt.Errorf("merge: --out %s: %w", out, err))
				} else if inside {
					return usagef("merge: --out %s is inside the shard folder %s: give a folder outside every shard", out, d)
				}
			}
			if err := claimDir(out, "merge", overwrite); err != nil {
				return err
			}
			sum, err := in.Write(out)
			if err != nil {
				var ie *merge.InputError
				if errors.As(err, &ie) {
					return withCode(ExitUsage, err)
				}
				return withCode(ExitRuntime, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "merge: %d shards merged into %s\n", len(args), out)
			return renderLoad(cmd.OutOrStdout(), sum, out, false)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "merged run folder: new or empty (required)")
	cmd.Flags().BoolVar(&overwrite, "overwrite", false, "replace the earlier harness run in --out")
	return cmd
}
