package main

import (
	"context"
	"errors"
	"fmt"
)

// Exit codes of the harness binary.
const (
	ExitOK      = 0 // everything passed
	ExitFailed  = 1 // a check failed: scenario, threshold, or an API error answer
	ExitUsage   = 2 // bad usage or bad input (flags, profile, fixtures, URL)
	ExitRuntime = 3 // the run could not be carried out (target unreachable, I/O)
	// ExitPartial: the run's data is partial (killed, interrupted) or
	// damaged (a file corrupt, missing or of another run), so its verdict
	// covers only what could be read: harness report on such a run exits 4
	// whatever the thresholds say (loadVerdict is the one mapping).
	ExitPartial     = 4
	ExitInterrupted = 130 // interrupted by SIGINT/SIGTERM
)

// exitError carries an exit code with an error up to run.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withCode wraps err so that the process exits with code.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// usagef returns a usage error (exit 2).
func usagef(format string, a ...any) error {
	return withCode(ExitUsage, fmt.Errorf(format, a...))
}

// exitCode maps the error of a command to the exit code: the code a command
// attached (withCode), 130 after an interruption, else 2, since what cobra
// returns itself are flag and argument errors.
func exitCode(ctx context.Context, err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.code
	case ctx.Err() != nil:
		return ExitInterrupted
	}
	return ExitUsage
}
