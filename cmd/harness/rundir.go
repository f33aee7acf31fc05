package main

import (
	"errors"
	"time"

	"github.com/alexa-harness/harness/internal/rundir"
)

// claimOut gives a run its output folder (internal/rundir): *out when the
// user named one (new or empty, or an earlier run with --overwrite), else a
// fresh timestamped folder under parent, whose path is stored in *out. A
// folder the run may not use is a usage error (exit 2), before anything
// starts.
func claimOut(out *string, parent, name, command string, overwrite bool) error {
	now := time.Now()
	if *out == "" {
		if overwrite {
			return usagef("%s: --overwrite needs --out DIR (without --out every run gets a fresh folder)", command)
		}
		dir, err := rundir.Fresh(parent, name, command, now)
		if err != nil {
			return withCode(ExitRuntime, err)
		}
		*out = dir
		return nil
	}
	err := rundir.Claim(*out, command, overwrite, now)
	switch {
	case errors.Is(err, rundir.ErrNotEmpty), errors.Is(err, rundir.ErrNotRun):
		return usagef("%s: --out %w", command, err)
	case err != nil:
		return withCode(ExitRuntime, err)
	}
	return nil
}
