// Package reports renders the harness's human and machine reports: load
// summaries, back-off compliance verdicts, conformance coverage matrices
// (go-pretty tables) and JUnit XML for CI.
//
// It is this module's rendering package, used by cmd/harness; it takes the
// module's internal types (loadgen.Summary, conform.Result,
// compliance.Verdict) and is not a public API: other modules cannot build
// those types, and its functions may change with them. The formats it writes
// (the text summaries, JUnit XML) are what users rely on.
package reports
