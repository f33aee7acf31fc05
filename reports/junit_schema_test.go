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

// jenkinsJUnitXSD is the JUnit schema of Jenkins' xUnit plugin (see
// testdata/README.md): what Jenkins validates a JUnit report against, and
// a superset of what GitLab reads.
const jenkinsJUnitXSD = "testdata/junit-10.xsd"

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
