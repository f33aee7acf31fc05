package kubernetes_test

import (
	"testing"

	"github.com/alexa-harness/harness/internal/testrun"
)

// TestMain ends the test binary without the race runtime's exit sleep
// (see testrun.Exit).
func TestMain(m *testing.M) { testrun.Exit(m.Run()) }
