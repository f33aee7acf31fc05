//go:build !unix

package loadgen

import "time"

// raiseFDLimit cannot read the limit on this platform.
func raiseFDLimit() FDLimit { return FDLimit{Error: "not supported on this platform"} }

// processCPU cannot be read on this platform.
func processCPU() (time.Duration, bool) { return 0, false }

// machineCPU cannot be read on this platform.
func machineCPU() (busy, total uint64, ok bool) { return 0, 0, false }
