package reports

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func TestWriteScenarioJUnit(t *testing.T) {
	res := sampleConformResult()
	res.Scenarios[0].Feature, res.Scenarios[1].Feature, res.Scenarios[2].Feature = "Tokens", "Tokens", "Get"
	res.Scenarios[1].Duration = 250 * time.Millisecond
	var buf bytes.Buffer
	if err := WriteScenarioJUnit(&buf, res); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Time    string `xml:"time,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
				Error *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	skipped := 0
	for _, s := range doc.Suites {
		skipped += s.Skipped
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Skipped != 0 || skipped != 1 {
		t.Errorf("totals tests=%d failures=%d skipped=%d (on <testsuites>, which the Jenkins schema does not allow), suites' skipped=%d; want 3/1/-/1",
			doc.Tests, doc.Failures, doc.Skipped, skipped)
	}
	if len(doc.Suites) != 2 || doc.Suites[0].Name != "Tokens" || doc.Suites[1].Name != "Get" {
		t.Fatalf("suites %+v: want one per feature (Tokens, Get)", doc.Suites)
	}
	tokens, get := doc.Suites[0], doc.Suites[1]
	if tokens.Tests != 2 || tokens.Failures != 1 || tokens.Skipped != 0 {
		t.Errorf("Tokens suite tests=%d failures=%d skipped=%d, want 2/1/0", tokens.Tests, tokens.Failures, tokens.Skipped)
	}
	if get.Tests != 1 || get.Failures != 0 || get.Skipped != 1 {
		t.Errorf("Get suite tests=%d failures=%d skipped=%d, want 1/0/1", get.Tests, get.Failures, get.Skipped)
	}
	tests := []struct {
		name, failure, skipped string
		suite, i               int
	}{
		{name: "refresh", suite: 0, i: 0},
		{name: "bad grant", suite: 0, i: 1, failure: "POST /auth/o2/token answered 200, the contract says 400"},
		{name: "throttled", suite: 1, i: 0, skipped: "mock-only: needs the mock's control API"},
	}
	for _, tc := range tests {
		c := doc.Suites[tc.suite].Cases[tc.i]
		if c.Name != tc.name {
			t.Errorf("case %d/%d is %q, want %q", tc.suite, tc.i, c.Name, tc.name)
		}
		if c.Error != nil {
			t.Errorf("%s: an <error> element", c.Name)
		}
		if (c.Failure != nil) != (tc.failure != "") || c.Failure != nil && c.Failure.Message != tc.failure {
			t.Errorf("%s: failure %+v, want %q", c.Name, c.Failure, tc.failure)
		}
		if (c.Skipped != nil) != (tc.skipped != "") || c.Skipped != nil && c.Skipped.Message != tc.skipped {
			t.Errorf("%s: skipped %+v, want %q", c.Name, c.Skipped, tc.skipped)
		}
	}
	if got := doc.Suites[0].Cases[1].Time; got != "0.250" {
		t.Errorf("time %q, want 0.250", got)
	}
	if strings.Contains(buf.String(), `type="skipped"`) {
		t.Error("a skipped scenario is written as an error")
	}
}
