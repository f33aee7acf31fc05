package testrun

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(WaitBound(m)) }

// TestWaitBound: in this binary (no -parallel on the command line unless a
// developer gave one) WaitBound raised -parallel.
func TestWaitBound(t *testing.T) {
	f := flag.Lookup("test.parallel")
	if f == nil {
		t.Fatal("no test.parallel flag")
	}
	explicit := false
	flag.Visit(func(g *flag.Flag) { explicit = explicit || g.Name == "test.parallel" })
	got, err := strconv.Atoi(f.Value.String())
	if err != nil {
		t.Fatal(err)
	}
	if want := max(WaitBoundParallel, runtime.GOMAXPROCS(0)); got < want && !explicit {
		t.Errorf("-parallel = %d, want at least %d", got, want)
	}
}
