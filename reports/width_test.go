package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/alexa-harness/harness/internal/conform"
	"github.com/alexa-harness/harness/internal/loadgen"
)

// TestConsoleWidth: every table of the console reports fits ConsoleWidth columns, long
// cells wrapping inside their column: the load summary of a real saved run
// (its compliance tables included), the coverage matrix, and the skipped
// and failed scenario tables with long names and messages.
func TestConsoleWidth(t *testing.T) {
	t.Parallel()
	sum, err := loadgen.Replay("../internal/loadgen/testdata/replay")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("a long scenario name that goes on ", 6)
	res := sampleConformResult()
	for i := range res.Scenarios {
		res.Scenarios[i].Name += " " + long
		res.Scenarios[i].URI = "features/locker/" + res.Scenarios[i].URI
		if res.Scenarios[i].Outcome == conform.Failed {
			res.Scenarios[i].Failure = strings.Repeat("POST /auth/o2/token answered 200, the contract says 400; ", 5)
		}
		if res.Scenarios[i].Outcome == conform.Skipped {
			res.Scenarios[i].Reason = strings.Repeat("mock-only: needs the mock's control API ", 4)
		}
	}
	tests := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"load summary", func(b *bytes.Buffer) error { return WriteLoad(b, sum) }},
		{"coverage", func(b *bytes.Buffer) error { return WriteCoverage(b, res.Coverage) }},
		{"skipped scenarios", func(b *bytes.Buffer) error { return WriteSkippedScenarios(b, res.Scenarios) }},
		{"failed scenarios", func(b *bytes.Buffer) error { return WriteConformSummary(b, res) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			if b.Len() == 0 {
				t.Fatal("nothing written")
			}
			tables := 0
			for i, line := range strings.Split(b.String(), "\n") {
				if !strings.ContainsAny(line, "│┌├└") { // prose lines wrap in the terminal
					continue
				}
				tables++
				if w := text.StringWidthWithoutEscSequences(line); w > ConsoleWidth {
					t.Errorf("line %d is %d columns wide (> %d):\n%s", i+1, w, ConsoleWidth, line)
				}
			}
			if tables == 0 {
				t.Errorf("no table written:\n%s", b.String())
			}
		})
	}
}

// TestReadableLoadSummary: counts take their noun's number ("1 client"),
// and the footer row (all operations) aligns its figures with the rows.
func TestReadableLoadSummary(t *testing.T) {
	t.Parallel()
	sum, err := loadgen.Replay("../internal/loadgen/testdata/replay")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		clients int
		want    string
	}{
		{1, "1 client, retry policy"},
		{2, "2 clients, retry policy"},
	}
	for _, tt := range tests {
		s := *sum
		s.Clients = tt.clients
		var b bytes.Buffer
		if err := WriteLoad(&b, &s); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !strings.Contains(out, tt.want) {
			t.Errorf("headline does not say %q:\n%s", tt.want, out)
		}
		// The operations table: every row and the footer end each figure
		// cell (columns 2–9) right at its border.
		var rows []string
		in := false
		for _, l := range strings.Split(out, "\n") {
			switch {
			case strings.HasPrefix(l, "│ OPERATION "):
				in = true
			case in && strings.HasPrefix(l, "└"):
				in = false
			case in && strings.HasPrefix(l, "│ "):
				rows = append(rows, l)
			}
		}
		if len(rows) < 3 {
			t.Fatalf("operations table not found:\n%s", out)
		}
		for _, l := range rows {
			cells := strings.Split(l, "│")
			for c := 2; c <= 9 && c < len(cells); c++ {
				if cell := cells[c]; strings.TrimSpace(cell) != "" && !strings.HasSuffix(cell, strings.TrimSpace(cell)+" ") {
					t.Errorf("cell %d of %q is not right-aligned", c, l)
				}
			}
		}
	}
}
