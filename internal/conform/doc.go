// Package conform runs the harness's executable contract (the Gherkin
// features of package features, with the step definitions of package steps)
// with godog, against the embedded mock or against real endpoints, and turns
// the run into results a person and a CI system can act on.
//
// Run is used by both `harness conform` and `go test`:
//
//   - Target "mock" (the default) starts the mock (internal/mock) on a free
//     loopback port; scenarios tagged @mock-only get a dedicated mock of their
//     own, so that their faults, rate limits and clock never touch another
//     scenario (the mock's faults are global per operation).
//   - Target "real" points the clients at the base URLs and identities of
//     Config (FromEnv reads the HARNESS_* variables). It never calls the
//     mock's control API, skips @mock-only scenarios and those whose
//     identity is missing, runs @writes scenarios only with AllowWrites, and
//     sends every request through a rate limiter and a request budget.
//
// Every scenario's result (passed, failed, or skipped with the reason) is
// collected, and Coverage builds the matrix operation × documented status
// (contract.Documented) from the @op and @status tags. A run fails when a
// scenario fails or a documented pair is covered by no scenario at all.
package conform
