package testrun

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryPackageEndsThroughExit: every package of the module that has
// tests ends its test binary through Exit (a TestMain calling
// testrun.Exit), so no package of `go test -race ./...` pays the race
// runtime's exit sleep. A new package with tests and no TestMain fails here.
func TestEveryPackageEndsThroughExit(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the module root is not two levels up: %v", err)
	}
	hasTests := map[string]bool{}
	exits := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		dir := filepath.Dir(path)
		hasTests[dir] = true
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(src), "testrun.Exit(") || (dir == filepathOf(t) && strings.Contains(string(src), "func TestMain(m *testing.M) { Exit(")) {
			exits[dir] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(hasTests) < 10 {
		t.Fatalf("found only %d packages with tests under %s", len(hasTests), root)
	}
	for dir := range hasTests {
		if !exits[dir] {
			rel, _ := filepath.Rel(root, dir)
			t.Errorf("%s has tests but no TestMain ending in testrun.Exit; add main_test.go:\n\tfunc TestMain(m *testing.M) { testrun.Exit(m.Run()) }", rel)
		}
	}
}

// filepathOf is this package's directory.
func filepathOf(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
