package history

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen feeds arbitrary bytes as a history file: Open and List must return
// (an error or runs), never panic or hang.
func FuzzOpen(f *testing.F) {
	ctx := context.Background()
	valid := filepath.Join(f.TempDir(), "valid.db")
	s, err := Open(ctx, valid)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := s.Record(ctx, sampleRun(KindLoad, "p", t0, 1, 2)); err != nil {
		f.Fatal(err)
	}
	s.Close()
	b, err := os.ReadFile(valid)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(sqliteHeader))
	f.Add([]byte("not a database"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		path := filepath.Join(t.TempDir(), "h.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(ctx, path)
		if err != nil {
			return
		}
		defer s.Close()
		runs, err := s.List(ctx, Filter{})
		if err != nil {
			return
		}
		for _, r := range runs {
			_, _ = s.Get(ctx, r.ID)
		}
	})
}
