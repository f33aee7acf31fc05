package userfile_test

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/userfile"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Repeat("x", n)), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	small := write("small.yaml", 10)
	exact := write("exact.yaml", 64)
	big := write("big.yaml", 65)
	empty := write("empty.yaml", 0)
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(small, link); err != nil {
		t.Fatal(err)
	}
	dirLink := filepath.Join(dir, "dirlink")
	if err := os.Symlink(dir, dirLink); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	haveFIFO := mkfifo(fifo) == nil
	sock := filepath.Join(dir, "s.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatalf("listen unix: %v", err)
	}
	defer ln.Close()
	noRead := write("noread.yaml", 3)
	if err := os.Chmod(noRead, 0); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name    string
		path    string
		wantLen int
		wantIs  error    // nil: success
		want    []string // substrings of the error
	}{
		{"regular", small, 10, nil, nil},
		{"exactly the bound", exact, 64, nil, nil},
		{"empty", empty, 0, nil, nil},
		{"symlink to a regular file", link, 10, nil, nil},
		{"one byte over", big, 0, userfile.ErrTooLarge, []string{big, "65 bytes", "64"}},
		{"directory", dir, 0, userfile.ErrNotRegular, []string{"a directory", "regular file"}},
		{"symlink to a directory", dirLink, 0, userfile.ErrNotRegular, []string{"a directory"}},
		{"FIFO with no writer", fifo, 0, userfile.ErrNotRegular, []string{"FIFO"}},
		{"character device", "/dev/zero", 0, userfile.ErrNotRegular, []string{"/dev/zero", "character device"}},
		{"null device", os.DevNull, 0, userfile.ErrNotRegular, []string{"character device"}},
		{"socket", sock, 0, userfile.ErrNotRegular, []string{"socket"}},
		{"missing", filepath.Join(dir, "missing.yaml"), 0, fs.ErrNotExist, []string{"missing.yaml", "no such file"}},
		{"unreadable", noRead, 0, fs.ErrPermission, []string{"permission denied"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.path == fifo && !haveFIFO {
				t.Skip("LOUD SKIP: this system cannot make a FIFO, so the FIFO case is not tested here")
			}
			if tc.path == noRead && os.Geteuid() == 0 {
				t.Skip("LOUD SKIP: running as root, which reads a mode-000 file")
			}
			done := make(chan struct{})
			var b []byte
			var err error
			go func() { defer close(done); b, err = userfile.Read(tc.path, 64) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("Read(%s) blocked", tc.path)
			}
			if tc.wantIs == nil {
				if err != nil || len(b) != tc.wantLen {
					t.Fatalf("Read = %d bytes, %v; want %d bytes", len(b), err, tc.wantLen)
				}
				return
			}
			if !errors.Is(err, tc.wantIs) {
				t.Fatalf("Read = %v, want errors.Is %v", err, tc.wantIs)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestReadNegativeBound(t *testing.T) {
	if _, err := userfile.Read(os.DevNull, -1); err == nil {
		t.Fatal("Read with a negative bound succeeded")
	}
}
