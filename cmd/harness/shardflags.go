package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/alexa-harness/harness/internal/loadgen"
)

// parseShardFlags reads harness load's --shard I/N and --start-at TIME
// (loadgen.ParseShard, loadgen.ParseStartAt own the rules): a bad value is a
// usage error (exit 2) before anything starts.
func parseShardFlags(cmd *cobra.Command, shard, startAt string, now time.Time) (loadgen.Shard, time.Time, error) {
	var (
		sh loadgen.Shard
		at time.Time
	)
	if cmd.Flags().Changed("shard") {
		s, err := loadgen.ParseShard(shard)
		if err != nil {
			return sh, at, usagef("load: %w", err)
		}
		sh = s
	}
	if cmd.Flags().Changed("start-at") {
		t, err := loadgen.ParseStartAt(startAt, now)
		if err != nil {
			return sh, at, usagef("load: %w", err)
		}
		at = t
	}
	return sh, at, nil
}
