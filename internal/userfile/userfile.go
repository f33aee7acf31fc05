// Package userfile reads a file a user named (a profile, a fixtures file)
// safely: only a regular file, never more than a bound, and never blocking
// on a FIFO or a device. It is the one place the harness does that; callers
// pass their own bound.
package userfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Errors Read wraps, for errors.Is.
var (
	// ErrNotRegular: the path names a directory, a FIFO, a device or a
	// socket, which Read refuses before reading a byte.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: the file is larger than the bound.
	ErrTooLarge = errors.New("file too large")
)

// Read returns the contents of the regular file at path, at most max bytes.
// A directory, FIFO, device or socket is refused before anything is read
// (checked with os.Stat, so a symbolic link to a regular file is fine, and
// again on the opened file, which is opened non-blocking so that a FIFO
// swapped in between cannot block); a file larger than max is refused
// without reading it past max+1 bytes (io.LimitReader). Errors name the path
// and the fix.
func Read(path string, max int64) ([]byte, error) {
	if max < 0 {
		return nil, fmt.Errorf("userfile: negative bound %d", max)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, describe(path, err)
	}
	if err := regular(path, fi, max); err != nil {
		return nil, err
	}
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, describe(path, err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := regular(path, fi, max); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", path, err)
	}
	if int64(len(b)) > max { // grew while we read, or a size the kernel does not report (/proc)
		return nil, fmt.Errorf("%s: is larger than %d bytes, the limit for this file: %w", path, max, ErrTooLarge)
	}
	return b, nil
}

// regular refuses anything but a regular file no larger than max.
func regular(path string, fi fs.FileInfo, max int64) error {
	m := fi.Mode()
	if m.IsRegular() {
		if fi.Size() > max {
			return fmt.Errorf("%s: is %d bytes, over the limit of %d bytes for this file: %w", path, fi.Size(), max, ErrTooLarge)
		}
		return nil
	}
	what := "not a regular file"
	switch {
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeNamedPipe != 0:
		what = "a FIFO (named pipe)"
	case m&fs.ModeCharDevice != 0:
		what = "a character device"
	case m&fs.ModeDevice != 0:
		what = "a device"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	}
	return fmt.Errorf("%s: is %s, not a regular file: give the path of a regular file: %w", path, what, ErrNotRegular)
}

// describe turns an open or stat error into one that names the fix.
func describe(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: no such file: check the path: %w", path, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: permission denied: make the file readable: %w", path, err)
	}
	return fmt.Errorf("%s: %w", path, err)
}
