package conform

import (
	"bytes"
	"fmt"
	"io/fs"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v26"
	messages "github.com/cucumber/messages/go/v21"
)

// Scenario is one scenario of the feature set (an outline contributes one
// per Examples row), as the runner reports it.
type Scenario struct {
	Feature string
	URI     string
	Name    string
	Tags    []string
}

// Key identifies a scenario within a run: its feature file and name.
func (s Scenario) Key() string { return s.URI + "\x00" + s.Name }

// Catalog parses every *.feature file of fsys (the way godog walks it) and
// returns its scenarios in file order. Scenario names must be unique within
// a feature file (give outline rows a <placeholder> in the name), since
// results are matched to scenarios by name; a duplicate is an error naming
// both.
func Catalog(fsys fs.FS) ([]Scenario, error) {
	var out []Scenario
	seen := map[string]bool{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".feature") {
			return nil
		}
		raw, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("feature %s: %w", p, err)
		}
		ids := (&messages.Incrementing{}).NewId
		doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(raw), ids)
		if err != nil {
			return fmt.Errorf("feature %s: %w", p, err)
		}
		if doc.Feature == nil {
			return nil
		}
		for _, pk := range gherkin.Pickles(*doc, p, ids) {
			s := Scenario{Feature: doc.Feature.Name, URI: p, Name: pk.Name}
			for _, t := range pk.Tags {
				s.Tags = append(s.Tags, t.Name)
			}
			if seen[s.Key()] {
				return fmt.Errorf("feature %s: two scenarios are named %q: give each its own name (an outline needs a <placeholder> in its name)", p, s.Name)
			}
			seen[s.Key()] = true
			out = append(out, s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenarios found: the feature set holds no *.feature file with a scenario")
	}
	return out, nil
}

// ValidateTags checks a godog tag expression: terms "@tag" or "~@tag"
// ("~" negates), joined by "," (or) inside groups joined by "&&" (and), for
// example "@op:token,@op:getThreadNetworks && ~@mock-only". godog itself
// panics on an empty term, so the runner checks first.
func ValidateTags(expr string) error {
	if strings.TrimSpace(expr) == "" {
		return nil
	}
	for _, group := range strings.Split(expr, "&&") {
		for _, term := range strings.Split(group, ",") {
			term = strings.TrimSpace(term)
			name := strings.TrimPrefix(strings.TrimPrefix(term, "~"), "@")
			if name == "" || strings.ContainsAny(name, " \t~@&|!()") {
				return fmt.Errorf("tag expression %q: term %q is not a tag: write @tag or ~@tag, joined by , (or) and && (and), e.g. \"@op:token && ~@mock-only\"", expr, term)
			}
		}
	}
	return nil
}

// NormalizeTags validates expr (ValidateTags) and returns it as godog must
// get it: an expression of only blanks is no expression (godog's tag filter
// panics on one; found by FuzzTags).
func NormalizeTags(expr string) (string, error) {
	if err := ValidateTags(expr); err != nil {
		return "", err
	}
	return strings.TrimSpace(expr), nil
}

// Selects reports whether the tag expression expr (ValidateTags' grammar)
// selects a scenario carrying tags, as godog v0.15's tag filter does (its
// package is internal): every "&&" group must hold, a group holds when one
// of its "," terms does, "~@t" holds when the tag is absent. "" selects
// every scenario. The runners use it to tell a scenario an interruption
// aborted from one the tags left out.
func Selects(expr string, tags []string) bool {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return true
	}
	has := func(name string) bool {
		for _, t := range tags {
			if strings.ReplaceAll(t, "@", "") == name {
				return true
			}
		}
		return false
	}
	for _, group := range strings.Split(expr, "&&") {
		ok := false
		for _, term := range strings.Split(group, ",") {
			name := strings.ReplaceAll(strings.TrimSpace(term), "@", "")
			if neg, found := strings.CutPrefix(name, "~"); found {
				ok = ok || !has(neg)
			} else {
				ok = ok || has(name)
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
