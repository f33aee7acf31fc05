//go:build !unix

package userfile_test

import "errors"

// mkfifo fails: this system has no named pipes.
func mkfifo(string) error { return errors.New("no named pipes on this system") }
