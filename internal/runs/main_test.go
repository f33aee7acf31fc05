package runs_test

import (
	"testing"

	"github.com/alexa-harness/harness/internal/testrun"
)

// TestMain runs more of this package's tests at once: they mostly wait on
// loopback traffic (see internal/testrun).
func TestMain(m *testing.M) { testrun.Exit(testrun.WaitBound(m)) }
