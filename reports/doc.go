// Package reports renders the harness's human and machine reports: load
// summaries, back-off compliance verdicts, conformance coverage matrices
// (go-pretty tables) and JUnit XML for CI.
package reports
