// Package features holds the executable contract of the Credential Locker,
// SMAPI skill credentials and Login with Amazon APIs, written in Gherkin for
// skill developers to read, and embeds it so that `harness conform` runs the
// same scenarios from any directory.
//
// Tags used by the runner (internal/conform):
//
//	@op:<operation>   the operation under test (contract.Op* names)
//	@status:<code>    the documented status code the scenario exercises;
//	                  together with @op it fills the coverage matrix
//	@mock-only        needs the mock's control API (faults, rate limits, clock)
//	@writes           creates data; in real mode runs only with --allow-writes
//	@needs:<identity> needs an optional identity (customer-b, noscope, other-vendor)
package features

import (
	"embed"
	"io/fs"
)

//go:embed *.feature
var files embed.FS

// FS returns the feature files, at the root of the file system.
func FS() fs.FS { return files }
