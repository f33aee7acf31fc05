package testrun

import (
	"context"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// CancelAfter is a console writer that cancels a run's context at its N-th
// write (what SIGINT does to the CLI's context): an interruption after a
// few steps of a run's progress output, with no wall-clock sleep. Every
// write goes on to W (discarded when W is nil). Use it by pointer.
type CancelAfter struct {
	W      io.Writer
	N      int
	Cancel context.CancelFunc

	mu sync.Mutex
}

func (c *CancelAfter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.N--; c.N == 0 {
		c.Cancel()
	}
	if c.W == nil {
		return len(p), nil
	}
	return c.W.Write(p)
}

// JUnit is what a JUnit XML document (<testsuites>) counts.
type JUnit struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Errors int `xml:"errors,attr"`
		Cases  []struct {
			Error *JUnitError `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// JUnitError is a test case's <error>.
type JUnitError struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
}

// ErrorCases returns the <error>s of every test case, in order.
func (j JUnit) ErrorCases() []JUnitError {
	var out []JUnitError
	for _, s := range j.Suites {
		for _, c := range s.Cases {
			if c.Error != nil {
				out = append(out, *c.Error)
			}
		}
	}
	return out
}

// ReadJUnit validates the JUnit file at path against the schema at xsd
// (ValidateJUnit) and returns its counts, failing t when its errors do not
// add up: each suite's errors attribute counts its <error> cases, and
// <testsuites errors> is their sum.
func ReadJUnit(t testing.TB, xsd, path string) JUnit {
	t.Helper()
	ValidateJUnit(t, xsd, path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc JUnit
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	sum := 0
	for _, s := range doc.Suites {
		n := 0
		for _, c := range s.Cases {
			if c.Error != nil {
				n++
			}
		}
		if n != s.Errors {
			t.Errorf("%s: a suite says errors=%d but has %d <error> cases", path, s.Errors, n)
		}
		sum += s.Errors
	}
	if sum != doc.Errors {
		t.Errorf("%s: <testsuites errors=%d>, its suites sum to %d", path, doc.Errors, sum)
	}
	return doc
}

// ValidateJUnit checks the JUnit file at path against the schema at xsd
// (the Jenkins schema, reports/testdata/junit.xsd) with xmllint, failing t
// when it does not validate. Without xmllint it logs loudly that the file
// is NOT validated and returns false; the caller's other checks still run.
func ValidateJUnit(t testing.TB, xsd, path string) bool {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Log("NOT VALIDATED: xmllint is not installed, so " + path + " is NOT checked against the Jenkins schema; install it with `apt-get install -y libxml2-utils`")
		return false
	}
	if out, err := exec.Command(xmllint, "--noout", "--schema", xsd, path).CombinedOutput(); err != nil {
		t.Errorf("xmllint --schema %s %s: %v\n%s", xsd, path, err, out)
	}
	return true
}

// CheckFiniteText fails t when out, a rendered report named what, shows a
// non-finite figure (Inf, NaN, ∞) or a doubled sign (+-, +−, −-).
func CheckFiniteText(t testing.TB, what, out string) {
	t.Helper()
	for _, bad := range []string{"Inf", "NaN", "∞", "+-", "+−", "−-"} {
		if strings.Contains(out, bad) {
			t.Errorf("%s has %q:\n%s", what, bad, out)
		}
	}
}

// WarningsOnce fails t when a "warning:" line of out appears more than
// once, and returns the set of warning lines.
func WarningsOnce(t testing.TB, out string) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "warning:") {
			if seen[line] {
				t.Errorf("warning printed twice: %s", line)
			}
			seen[line] = true
		}
	}
	return seen
}

// LiveHeap returns the bytes of live heap objects after a full collection.
// A test that reads it must not run in parallel with others.
func LiveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// AppendOvershoot is the largest capacity-to-length ratio a slice of T
// reaches right after append grows it, for lengths from from up to to. For
// large slices append's ratio falls as the slice grows (runtime
// nextslicecap: about 1.25 + 192/len), so its first growths are its worst;
// they are replayed on the real element type, size-class rounding included.
func AppendOvershoot[T any](from, to int) float64 {
	worst := 1.0
	for n := from; n < to; {
		var zero T
		grown := append(make([]T, n), zero)
		worst = max(worst, float64(cap(grown))/float64(n+1))
		n = cap(grown)
	}
	return worst
}
