package reports

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/conform"
)

// jenkinsJUnitXSD encodes the JUnit schema of Jenkins' xUnit plugin (see
// testdata/README.md): what Jenkins validates a JUnit report against, and
// a superset of what GitLab reads.
const jenkinsJUnitXSD = "testdata/junit.xsd"

// TestJUnitSchema: the scenario and coverage JUnit documents validate
// against the Jenkins schema with xmllint, and every <testsuite> carries
// errors, timestamp and hostname.
func TestJUnitSchema(t *testing.T) {
	t.Parallel()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: xmllint is not installed, so the JUnit documents are NOT validated against the Jenkins schema; install it with `apt-get install -y libxml2-utils`")
	}
	res := sampleConformResult()
	res.Started = time.Date(2026, 12, 1, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	res.Host = "ci-runner-7"
	res.Scenarios[0].Feature = `Tokens & "quotes" <and> ünïcode`
	tests := []struct {
		name  string
		write func(io.Writer, conform.Result) error
	}{
		{"scenarios", WriteScenarioJUnit},
		{"coverage", WriteCoverageJUnit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := tt.write(&b, res); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "junit.xml")
			if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(xmllint, "--noout", "--schema", jenkinsJUnitXSD, file).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "validates") {
				t.Fatalf("xmllint --schema %s: %v\n%s\n%s", jenkinsJUnitXSD, err, out, b.String())
			}
			var doc struct {
				Suites []struct {
					Errors    *int   `xml:"errors,attr"`
					Timestamp string `xml:"timestamp,attr"`
					Hostname  string `xml:"hostname,attr"`
				} `xml:"testsuite"`
			}
			if err := xml.Unmarshal(b.Bytes(), &doc); err != nil || len(doc.Suites) == 0 {
				t.Fatalf("%v: %d suites", err, len(doc.Suites))
			}
			for i, s := range doc.Suites {
				if s.Errors == nil || *s.Errors != 0 || s.Timestamp != "2026-12-01T08:30:00" || s.Hostname != "ci-runner-7" {
					t.Errorf("suite %d: errors=%v timestamp=%q hostname=%q; want 0, 2026-12-01T08:30:00 (UTC), ci-runner-7", i, s.Errors, s.Timestamp, s.Hostname)
				}
			}
		})
	}
	t.Run("no host", func(t *testing.T) {
		r := res
		r.Host = ""
		var b bytes.Buffer
		if err := WriteScenarioJUnit(&b, r); err != nil || !strings.Contains(b.String(), `hostname="localhost"`) {
			t.Errorf("without a host: %v\n%s", err, b.String())
		}
	})
}

// TestJUnitSchemaBites: the schema refuses the mistakes Jenkins refuses, so
// TestJUnitSchema's pass means something.
func TestJUnitSchemaBites(t *testing.T) {
	t.Parallel()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: xmllint is not installed, so the JUnit schema is NOT checked; install it with `apt-get install -y libxml2-utils`")
	}
	tests := []struct {
		name, doc string
		valid     bool
	}{
		{"minimal valid", `<testsuites><testsuite name="s" tests="1" failures="0" errors="0" time="0.5" timestamp="2026-12-01T08:30:00"><testcase name="c"/></testsuite></testsuites>`, true},
		{"skipped on testsuites", `<testsuites skipped="1"><testsuite name="s" tests="1" failures="0" errors="0"/></testsuites>`, false},
		{"testsuite without errors", `<testsuites><testsuite name="s" tests="1" failures="0"/></testsuites>`, false},
		{"testsuite without name", `<testsuite tests="1" failures="0" errors="0"/>`, false},
		{"time with an exponent", `<testsuite name="s" tests="1" failures="0" errors="0" time="1e-3"/>`, false},
		{"testcase without name", `<testsuite name="s" tests="1" failures="0" errors="0"><testcase/></testsuite>`, false},
		{"negative count", `<testsuite name="s" tests="-1" failures="0" errors="0"/>`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "junit.xml")
			if err := os.WriteFile(file, []byte(tt.doc), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(xmllint, "--noout", "--schema", jenkinsJUnitXSD, file).CombinedOutput()
			if valid := err == nil; valid != tt.valid {
				t.Errorf("valid = %v, want %v: %s", valid, tt.valid, out)
			}
		})
	}
}
