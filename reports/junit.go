package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/alexa-harness/harness/internal/conform"
)

// The JUnit XML schema subset CI systems read (Jenkins, GitLab, GitHub
// actions' test reporters).
//
// The documents validate against the schema of Jenkins' xUnit plugin
// (junit-10.xsd, in testdata with its licence; TestJUnitSchema): every
// <testsuite> carries tests, failures, errors (the scenarios an
// interruption aborted, so that an interrupted run never reads green; a
// scenario that could not run otherwise is a failure or a skip), skipped,
// time, timestamp and hostname; <testsuites> carries no
// skipped count, which that schema does not allow (CI sums the suites').
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

// suiteStamp is a suite's timestamp (ISO 8601 in UTC without a zone, as
// Ant and Surefire write it) and hostname ("localhost" when unknown).
func suiteStamp(res conform.Result) (timestamp, host string) {
	host = res.Host
	if host == "" {
		host = "localhost"
	}
	if !res.Started.IsZero() {
		timestamp = res.Started.UTC().Format("2006-01-02T15:04:05")
	}
	return timestamp, host
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// abortedError is the <error> of a test case an interruption aborted.
func abortedError(text string) *junitMessage {
	return &junitMessage{Type: "aborted", Message: conform.ReasonInterrupted, Text: text}
}

// WriteCoverageJUnit writes the coverage matrix of a conformance run as
// JUnit XML: one test case per documented (operation, status) pair, failed
// when a covering scenario failed or no scenario covers it, an error
// ("aborted: interrupted") when no covering scenario ran to its end
// because the run was interrupted, skipped (with the reasons) when every
// covering scenario was skipped. The JUnit
// WriteScenarioJUnit lists the scenarios; this one lets CI show the matrix.
func WriteCoverageJUnit(w io.Writer, res conform.Result) error {
	stamp, host := suiteStamp(res)
	suite := junitSuite{
		Name: "coverage", Timestamp: stamp, Hostname: host,
		Time: seconds(res.Duration.Seconds()),
		Properties: []junitProperty{
			{Name: "target", Value: res.Target},
			{Name: "tags", Value: res.Tags},
			{Name: "verdict", Value: res.Verdict()},
		},
	}
	for _, c := range res.Coverage.Cells {
		tc := junitCase{Name: fmt.Sprintf("%s %d", c.Operation, c.Status), ClassName: "coverage." + c.Operation, Time: "0"}
		scen := strings.Join(c.Scenarios, "\n")
		switch {
		case c.State == conform.CellFailed:
			tc.Failure = &junitMessage{Type: "failed",
				Message: fmt.Sprintf("%d of %d covering scenarios failed", c.Failed, c.Failed+c.Passed+c.Skipped), Text: scen}
			suite.Failures++
		case c.State == conform.CellNotCovered:
			tc.Failure = &junitMessage{Type: "not covered",
				Message: "no scenario is tagged @op:" + c.Operation + " @status:" + fmt.Sprint(c.Status)}
			suite.Failures++
		case c.State == conform.CellSkipped && slices.Contains(c.Reasons, conform.ReasonInterrupted):
			tc.Error = abortedError(scen)
			suite.Errors++
		case c.State == conform.CellSkipped:
			tc.Skipped = &junitMessage{Message: strings.Join(c.Reasons, "; "), Text: scen}
			suite.Skipped++
		}
		suite.Cases = append(suite.Cases, tc)
		suite.Tests++
	}
	doc := junitSuites{Name: "harness conform coverage", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Time: suite.Time, Suites: []junitSuite{suite}}
	return encodeJUnit(w, "coverage junit", doc)
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }

// WriteScenarioJUnit writes the scenarios of a conformance run as JUnit XML:
// one testsuite per feature, one test case per scenario (an outline
// contributes one per Examples row), with <failure message="…"> for a
// failed scenario, <error type="aborted" message="aborted: interrupted">
// for one an interruption aborted (CI must not read an interrupted run as
// green) and <skipped message="reason"/> for a skipped one, and
// the counts of each suite and of the whole document. Failure messages are
// the runner's, already scrubbed of secrets.
func WriteScenarioJUnit(w io.Writer, res conform.Result) error {
	doc := junitSuites{Name: "harness conform", Time: seconds(res.Duration.Seconds())}
	stamp, host := suiteStamp(res)
	index := map[string]int{}
	var times []float64
	for _, s := range res.Scenarios {
		i, ok := index[s.URI]
		if !ok {
			i = len(doc.Suites)
			index[s.URI] = i
			name := s.Feature
			if name == "" {
				name = s.URI
			}
			doc.Suites = append(doc.Suites, junitSuite{Name: name, Timestamp: stamp, Hostname: host,
				Properties: []junitProperty{{Name: "uri", Value: s.URI}}})
			times = append(times, 0)
		}
		suite := &doc.Suites[i]
		tc := junitCase{Name: s.Name, ClassName: s.Feature, Time: seconds(s.Duration.Seconds())}
		switch s.Outcome {
		case conform.Failed:
			msg := s.Failure
			if msg == "" {
				msg = "failed"
			}
			tc.Failure = &junitMessage{Type: "failed", Message: msg, Text: msg}
			suite.Failures++
		case conform.Skipped:
			if s.Interrupted() {
				tc.Error = abortedError("the run was interrupted before this scenario finished: no verdict on it")
				suite.Errors++
				break
			}
			reason := s.Reason
			if reason == "" {
				reason = "skipped"
			}
			tc.Skipped = &junitMessage{Message: reason}
			suite.Skipped++
		}
		suite.Tests++
		times[i] += s.Duration.Seconds()
		suite.Cases = append(suite.Cases, tc)
	}
	for i := range doc.Suites {
		doc.Suites[i].Time = seconds(times[i])
		doc.Tests += doc.Suites[i].Tests
		doc.Failures += doc.Suites[i].Failures
		doc.Errors += doc.Suites[i].Errors
	}
	return encodeJUnit(w, "scenario junit", doc)
}

// encodeJUnit writes doc as an indented XML document; what names the report
// in errors.
func encodeJUnit(w io.Writer, what string, doc junitSuites) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
