package mock

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
)

// problemLine is the shape of every line of a fixtures error from
// ParseFixtures: "line N: ..." or a whole-file problem.
var problemLine = regexp.MustCompile(`^(line [1-9][0-9]*: |the file is empty|YAML syntax: )`)

// FuzzFixtures feeds ParseFixtures arbitrary YAML: it never panics; an
// error is one problem per line, each with its line (or a whole-file
// problem), in the harness's words (never yaml.v3's, never a Go type);
// fixtures it accepts build a server.
func FuzzFixtures(f *testing.F) {
	example, err := os.ReadFile("testdata/fixtures.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(example),
		"",
		"mode: replace\nclients: [{id: c, secret: s}]\n",
		"clients:\n  - id: c\n    secret: s\n    colour: red\n",
		"customers:\n  - id: z\n    refreshToken: Atzr|z1\n  - id: z\n    refreshToken: Atzr|z2\n",
		"customers: [{id: customer-a, refreshToken: Atzr|new-a, networks: [{extendedPanId: p, networkName: n, networkKey: k, channelNumber: 15}]}]",
		"vendors: [&v {id: v, refreshToken: Atzr|v}]\ncustomers: [*v]",
		"mode: extend\n---\nmode: replace\n",
		"clients: [{<<: {id: c}, secret: s}]",
		"customers: [{id: z, refreshToken: Atzr|z, threadScope: maybe}]",
		"clients: {id: c}",
		`{"mode":"replace","clients":[{"id":"c","secret":"s"}],"skills":[{"id":"s","vendor":"v","clientId":"c","clientSecret":"x"}]}`,
		"clients: [{id: amzn1.application-oa2-client.skill1, secret: s}]",
		"a: &a [*a]",
		"- [\n",
		"mode: !!binary aGVsbG8=",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > MaxFixturesBytes {
			return // LoadFixtures refuses it before parsing
		}
		fx, err := ParseFixtures(raw)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !problemLine.MatchString(line) {
					t.Fatalf("error line %q has no line number", line)
				}
				if !strings.Contains(line, "unknown field; known fields") { // which echoes the user's key
					checkFixtureErrorWording(t, errors.New(line))
				}
			}
			return
		}
		if err := fx.Validate(); err != nil {
			t.Fatalf("accepted fixtures fail Validate: %v", err)
		}
		if _, err := New(Config{Fixtures: fx, Validator: NoValidator}); err != nil {
			t.Fatalf("accepted fixtures do not build a server: %v", err)
		}
	})
}
