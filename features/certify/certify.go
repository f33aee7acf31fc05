// Package certify holds the certification scenarios of `harness certify`:
// what a skill team's own client must do with every documented answer of
// Credential Locker, SMAPI skill credentials and Login with Amazon, written
// in Gherkin for the team to read, and embedded so that the harness runs the
// same scenarios from any directory (internal/certify runs them).
//
// Tags used by the runner:
//
//	@op:<adapter operation>  the adapter operation the scenario calls
//	                         (create-network, get-networks,
//	                         skill-credentials); a scenario whose operation
//	                         the adapter does not implement (--operations) is
//	                         skipped with that reason
//	@status:<code>           the documented status the scenario exercises
//	@rule:<id>               the rule the scenario grades (C1…C7, T1…T3,
//	                         P1, P2, X1; docs/certify.md)
package certify

import (
	"embed"
	"io/fs"
)

//go:embed *.feature
var files embed.FS

// FS returns the certification feature files, at the root of the file
// system.
func FS() fs.FS { return files }
