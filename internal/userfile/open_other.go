//go:build !unix

package userfile

import "os"

// openNonBlocking opens path read-only (the Stat check before it refuses
// FIFOs on systems without O_NONBLOCK).
func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }
