// Package certify certifies a skill team's own client: it runs the team's
// adapter command (docs/certify.md) once per call against the mock and
// grades what the mock saw.
//
// The pieces:
//
//   - Adapter is the team's command, split from the --client flag by
//     ParseCommand (shell-like word splitting, no shell run). Check says,
//     before anything starts, whether its program exists and can be run.
//     Call runs it once for one operation: the input as JSON on stdin, the
//     environment exactly as given (BaseEnv adds PATH, HOME, TMPDIR and
//     LANG), stdout and stderr captured up to a bound, the process in its own
//     process group, the whole group killed when the call's time limit
//     passes or its context ends.
//   - Run runs the certification scenarios (features/certify, godog, the
//     scenario's state in its context.Context), each against a mock of its
//     own on a loopback port so that they run in parallel, and grades each
//     from that mock's journal: C1, C2, C3 and C6 by compliance.Check over
//     each call's own requests (the harness's repeated calls are new logical
//     calls), C4 by compliance.GrowthTest, C7 per call, and certification's
//     own token (T1–T3), pagination (P1, P2) and outcome (X1) rules.
//   - WriteCertificate writes the certificate: certificate.md, the whole
//     Result as JSON, JUnit (reports.WriteScenarioJUnit), godog's cucumber
//     JSON and the adapter's stderr, every secret the run knows masked.
//   - RunReferenceAdapter is the adapter logic over the harness's own client
//     (internal/clients): what `harness adapter OPERATION` runs, so that our
//     own client is certified by the same scenarios as anyone else's.
package certify
