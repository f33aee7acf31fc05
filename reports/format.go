package reports

import (
	"fmt"
	"io"
	"strings"
)

// Format is a report format that `harness report --format` and `--out`
// write.
type Format string

// The report formats. FormatText is the terminal summary (WriteLoad,
// WriteConformSummary), which the CLI already prints.
const (
	FormatText     Format = "text"
	FormatHTML     Format = "html"
	FormatMarkdown Format = "markdown"
	FormatJSON     Format = "json"
)

// Formats lists the formats ParseFormat accepts.
func Formats() []Format { return []Format{FormatText, FormatHTML, FormatMarkdown, FormatJSON} }

// ParseFormat checks a --format value ("md" is accepted for markdown).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case FormatText, FormatHTML, FormatMarkdown, FormatJSON:
		return f, nil
	case "md":
		return FormatMarkdown, nil
	}
	return "", fmt.Errorf("--format %q: want one of text, html, markdown, json", s)
}

// FileName is the file a format is saved as in a run folder
// (report.html, report.md, report.json; the text summary is printed).
func (f Format) FileName() string {
	switch f {
	case FormatHTML:
		return "report.html"
	case FormatMarkdown:
		return "report.md"
	case FormatJSON:
		return "report.json"
	}
	return "report.txt"
}

// WriteLoadFormat writes a load report in format f.
func WriteLoadFormat(w io.Writer, f Format, r LoadReport) error {
	switch f {
	case FormatHTML:
		return WriteLoadHTML(w, r)
	case FormatMarkdown:
		return WriteLoadMarkdown(w, r)
	case FormatJSON:
		return WriteLoadJSON(w, r)
	case FormatText:
		return WriteLoad(w, r.Summary)
	}
	return fmt.Errorf("reports: unknown format %q", f)
}

// WriteConformFormat writes a conformance report in format f.
func WriteConformFormat(w io.Writer, f Format, r ConformReport) error {
	switch f {
	case FormatHTML:
		return WriteConformHTML(w, r)
	case FormatMarkdown:
		return WriteConformMarkdown(w, r)
	case FormatJSON:
		return WriteConformJSON(w, r)
	case FormatText:
		if err := WriteCoverage(w, r.Result.Coverage); err != nil {
			return err
		}
		return WriteConformSummary(w, r.Result)
	}
	return fmt.Errorf("reports: unknown format %q", f)
}
