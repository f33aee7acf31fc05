// Package certify certifies a skill team's own client: it runs the team's
// adapter command (docs/certify.md) once per call against the
// mock and grades what the mock saw.
//
// The pieces so far:
//
//   - Adapter is the team's command, split from the --client flag by
//     ParseCommand (shell-like word splitting, no shell run). Check says,
//     before anything starts, whether its program exists and can be run.
//     Call runs it once for one operation: the input as JSON on stdin, the
//     environment exactly as given (BaseEnv adds PATH, HOME, TMPDIR and
//     LANG), stdout and stderr captured up to a bound, the process in its own
//     process group, the whole group killed when the call's time limit
//     passes or its context ends.
//   - RunReferenceAdapter is the adapter logic over the harness's own client
//     (internal/clients): what `harness adapter OPERATION` runs, so that our
//     own client is certified by the same scenarios as anyone else's.
//
// The statistical back-off test (C4 for a client whose policy is unknown) is
// compliance.GrowthTest, since internal/compliance owns the rules C1–C7.
package certify
