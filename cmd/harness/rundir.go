package main

import (
	"errors"
	"path/filepath"
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
	without := "leave --out out to run without writing files"
	if parent != "" {
		without = "leave --out out for a fresh timestamped folder under " + parent + string(filepath.Separator)
	}
	return claimDir(*out, command, overwrite, rundir.Without(without))
}

// claimDir claims the folder dir the user named for a run of command
// (rundir.Claim with opts): a folder the run may not use is a usage error
// (exit 2), before anything starts.
func claimDir(dir, command string, overwrite bool, opts ...rundir.ClaimOption) error {
	err := rundir.Claim(dir, command, overwrite, time.Now(), opts...)
	switch {
	case errors.Is(err, rundir.ErrNotEmpty), errors.Is(err, rundir.ErrNotRun):
		return usagef("%s: --out %w", command, err)
	case err != nil:
		return withCode(ExitRuntime, err)
	}
	return nil
}
