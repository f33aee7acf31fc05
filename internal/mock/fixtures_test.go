package mock

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/userfile"
)

func TestLoadFixturesExample(t *testing.T) {
	fx, err := LoadFixtures("testdata/fixtures.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// extend: built-ins plus the file's
	if len(fx.Customers) != 5 || len(fx.Vendors) != 3 || len(fx.Skills) != 2 || len(fx.Clients) != 2 {
		t.Fatalf("merged fixtures: %d customers, %d vendors, %d skills, %d clients", len(fx.Customers), len(fx.Vendors), len(fx.Skills), len(fx.Clients))
	}
	if _, err := New(Config{Fixtures: fx}); err != nil {
		t.Fatal(err)
	}
}

// TestParseFixtures: every error names the line, the field with its index
// in the file (not in the merged list) and the fix, and never carries
// yaml.v3's own words or a Go type name.
func TestParseFixtures(t *testing.T) {
	tests := []struct {
		name, yaml string
		wantErr    []string // substrings of the error; none = valid
		check      func(t *testing.T, f *Fixtures)
	}{
		{name: "empty file", yaml: "", wantErr: []string{"empty"}},
		{name: "only a comment", yaml: "# nothing\n", wantErr: []string{"empty"}},
		{name: "null document", yaml: "~", wantErr: []string{"empty"}},
		{name: "mode only", yaml: "mode: extend", check: func(t *testing.T, f *Fixtures) {
			if len(f.Customers) != 3 {
				t.Errorf("customers %d", len(f.Customers))
			}
		}},
		{name: "replace", yaml: `
mode: replace
clients: [{id: c1, secret: s1}]
customers: [{id: only, refreshToken: Atzr|only}]`, check: func(t *testing.T, f *Fixtures) {
			if len(f.Customers) != 1 || len(f.Vendors) != 0 || len(f.Clients) != 1 {
				t.Errorf("replace kept built-ins: %+v", f)
			}
		}},
		{name: "extend overrides a built-in by id", yaml: `
customers:
  - id: customer-a
    refreshToken: Atzr|new-a
    networks: [{extendedPanId: p, networkName: n, networkKey: k}]`, check: func(t *testing.T, f *Fixtures) {
			if len(f.Customers) != 3 || f.Customers[0].RefreshToken != "Atzr|new-a" || len(f.Customers[0].Networks) != 1 {
				t.Errorf("override: %+v", f.Customers[0])
			}
		}},
		{name: "JSON works too", yaml: `{"mode":"replace","clients":[{"id":"c","secret":"s"}]}`},
		{name: "numbers as strings", yaml: "clients: [{id: 12, secret: 34}]", check: func(t *testing.T, f *Fixtures) {
			if f.Clients[1].ID != "12" || f.Clients[1].Secret != "34" {
				t.Errorf("client %+v", f.Clients[1])
			}
		}},
		{name: "bad mode", yaml: "\nmode: merge", wantErr: []string{"line 2: mode: ", "extend", "replace"}},
		{name: "unknown top-level field", yaml: "customer: []", wantErr: []string{"line 1: customer: unknown field; known fields: mode, clients, vendors, skills, customers"}},
		{name: "unknown nested field", yaml: "clients:\n  - id: c\n    secret: s\n    colour: red\n",
			wantErr: []string{"line 4: clients[0].colour: unknown field; known fields: id, secret, vendor"}},
		{name: "unknown network field", yaml: "customers:\n- id: z\n  refreshToken: Atzr|z\n  networks:\n  - {extendedPanId: p, networkName: n, networkKey: k, channel: 15}\n",
			wantErr: []string{"line 5: customers[0].networks[0].channel: unknown field; known fields: extendedPanId, networkName, networkKey, pskc, panId, channelNumber, defaultBorderAgentId"}},
		{name: "list expected", yaml: "clients: {id: c, secret: s}", wantErr: []string{"line 1: clients: must be a list", "not a mapping"}},
		{name: "mapping expected", yaml: "clients: [c]", wantErr: []string{"line 1: clients[0]: must be a mapping", "not a single value"}},
		{name: "string expected", yaml: "clients: [{id: [a], secret: s}]", wantErr: []string{"line 1: clients[0].id: must be a string, not a list"}},
		{name: "bool expected", yaml: "customers: [{id: z, refreshToken: Atzr|z, threadScope: maybe}]", wantErr: []string{"customers[0].threadScope: must be true or false"}},
		{name: "integer expected", yaml: "customers: [{id: z, refreshToken: Atzr|z, networks: [{extendedPanId: p, networkName: n, networkKey: k, channelNumber: 1e100}]}]",
			wantErr: []string{"customers[0].networks[0].channelNumber: must be a whole number"}},
		{name: "key given twice", yaml: "clients:\n  - id: c\n    secret: s\n    id: d\n", wantErr: []string{"line 4: clients[0].id: is given twice (first at line 2)"}},
		{name: "syntax error", yaml: "clients:\n  - id: c\n   secret: [\n", wantErr: []string{"line ", "YAML syntax: "}},
		{name: "tab indentation", yaml: "clients:\n\t- id: c\n", wantErr: []string{"YAML syntax: "}},
		{name: "alias", yaml: "vendors: [&v {id: v, refreshToken: Atzr|v}]\ncustomers: [*v]", wantErr: []string{"line 2: customers[0]: YAML aliases"}},
		{name: "merge key", yaml: "clients: [{<<: {id: c}, secret: s}]", wantErr: []string{"merge keys"}},
		{name: "second document", yaml: "mode: extend\n---\nmode: replace\n", wantErr: []string{"line 2: a second YAML document"}},
		{name: "duplicate ids in the file", yaml: "customers:\n  - id: z\n    refreshToken: Atzr|z1\n  - id: y\n    refreshToken: Atzr|y\n  - id: z\n    refreshToken: Atzr|z2\n",
			wantErr: []string{"line 6: customers[2].id: \"z\" is also the id of customers[0] (line 2): give each customer its own id"}},
		{name: "duplicate client ids in the file", yaml: "clients:\n- {id: c, secret: s}\n- {id: c, secret: t}\n",
			wantErr: []string{"line 3: clients[1].id: \"c\" is also the id of clients[0] (line 2)"}},
		{name: "duplicate vendor ids in replace mode", yaml: "mode: replace\nvendors:\n- {id: v, refreshToken: Atzr|a}\n- {id: v, refreshToken: Atzr|b}\n",
			wantErr: []string{"line 4: vendors[1].id: \"v\" is also the id of vendors[0] (line 3)"}},
		{name: "plus in secret", yaml: "clients: [{id: c, secret: a+b}]", wantErr: []string{"line 1: clients[0].secret", "'+'"}},
		{name: "ampersand in refresh token", yaml: "vendors:\n  - id: v\n    refreshToken: 'Atzr|a&b'", wantErr: []string{"line 3: vendors[0].refreshToken", "URL-encoding"}},
		{name: "percent in skill secret", yaml: "skills: [{id: s2, vendor: vendor-a, clientId: x, clientSecret: '50%'}]", wantErr: []string{"skills[0].clientSecret"}},
		{name: "equals in code", yaml: "customers: [{id: z, refreshToken: Atzr|z, authorizationCode: 'a=b'}]", wantErr: []string{"customers[0].authorizationCode"}},
		{name: "space in secret", yaml: "clients: [{id: c, secret: 'a b'}]", wantErr: []string{"clients[0].secret", "white space"}},
		{name: "missing refresh token", yaml: "customers:\n  - id: z\n", wantErr: []string{"line 2: customers[0].refreshToken", "required"}},
		{name: "duplicate of a built-in refresh token", yaml: "customers: [{id: z, refreshToken: 'Atzr|harness-customer-a'}]",
			wantErr: []string{"customers[0].refreshToken: the same refresh token is already used by the built-in customer \"customer-a\": refresh tokens must be unique"}},
		{name: "a built-in clashes with the file: reported on the file's entry", yaml: "clients: [{id: amzn1.application-oa2-client.skill1, secret: s}]",
			wantErr: []string{"line 1: clients[0].id: \"amzn1.application-oa2-client.skill1\" is already used by the built-in skill"}},
		{name: "index in the file after an override", yaml: "customers:\n- {id: customer-a, refreshToken: Atzr|new-a}\n- {id: z, refreshToken: 'Atzr|z&'}\n",
			wantErr: []string{"line 3: customers[1].refreshToken: contains '&'"}},
		{name: "override of a built-in named by its file index", yaml: "customers:\n- {id: y, refreshToken: Atzr|y}\n- {id: customer-b, refreshToken: 'b b'}\n",
			wantErr: []string{"line 3: customers[1].refreshToken: contains white space"}},
		{name: "skill of unknown vendor", yaml: "skills: [{id: s2, vendor: nobody, clientId: x, clientSecret: y}]", wantErr: []string{"skills[0].vendor", "nobody"}},
		{name: "skill id too long", yaml: "skills: [{id: " + strings.Repeat("s", 256) + ", vendor: vendor-a, clientId: x, clientSecret: y}]", wantErr: []string{"skills[0].id", "255"}},
		{name: "bad network", yaml: "customers: [{id: z, refreshToken: Atzr|z, networks: [{extendedPanId: p, networkName: '12345678901234567', networkKey: k}]}]",
			wantErr: []string{"customers[0].networks[0].networkName", "16 bytes"}},
		{name: "duplicate network", yaml: "customers: [{id: z, refreshToken: Atzr|z, networks: [{extendedPanId: p, networkName: n, networkKey: k}, {extendedPanId: p, networkName: n, networkKey: k2}]}]",
			wantErr: []string{"customers[0].networks[1]", "409"}},
		{name: "client vendor unknown", yaml: "clients: [{id: c, secret: s, vendor: nobody}]", wantErr: []string{"clients[0].vendor"}},
		{name: "reserved id prefix", yaml: "customers: [{id: 'client:x', refreshToken: Atzr|cx}]", wantErr: []string{"customers[0].id", "client:"}},
		{name: "id too long", yaml: "vendors: [{id: " + strings.Repeat("v", 201) + ", refreshToken: Atzr|vv}]", wantErr: []string{"vendors[0].id", "200 bytes"}},
		{name: "many problems: the first 20, then a count", yaml: manyBadClients(30),
			wantErr: []string{"line 2: clients[0].secret: contains white space", "line 21: clients[19].secret", "\nline 22: and 10 more problems from here on: fix the ones above first"}},
		{name: "an unknown field hides no other problem", yaml: "customers:\n  - id: z\nclients:\n  - id: c\n    colour: red\nskills: [{id: s2, vendor: nobody, clientId: x, clientSecret: y}]\n",
			wantErr: []string{"line 2: customers[0].refreshToken: is required\nline 4: clients[0].secret: is required\nline 5: clients[0].colour: unknown field", "\nline 6: skills[0].vendor: \"nobody\" is not a vendor id"}},
		{name: "a bad mode, a duplicate id and a bad value at once", yaml: "mode: merge\nvendors:\n- {id: v, refreshToken: Atzr|a}\n- {id: v, refreshToken: 'Atzr|b c'}\n",
			wantErr: []string{"line 1: mode: ", "line 4: vendors[1].id: \"v\" is also the id of vendors[0]", "line 4: vendors[1].refreshToken: contains white space"}},
		{name: "a value of the wrong type is reported once, the others too", yaml: "clients: [{id: [a], secret: s}, {id: d, secret: 'e f'}]",
			wantErr: []string{"line 1: clients[0].id: must be a string, not a list\nline 1: clients[1].secret: contains white space"}},
		{name: "two errors at once, one per line in line order", yaml: "customers: [{id: z}]\nclients: [{id: c}]", wantErr: []string{"line 1: customers[0].refreshToken: is required\nline 2: clients[0].secret: is required"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFixtures([]byte(tc.yaml))
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if tc.check != nil {
					tc.check(t, f)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one mentioning %q", tc.wantErr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			checkFixtureErrorWording(t, err)
		})
	}
}

var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

var goType = regexp.MustCompile(`\b(mock|mockcontrol)\.[A-Z]|\bmap\[|\[\][a-z]`)

// checkFixtureErrorWording fails on yaml.v3's raw wording or Go type names
// in a fixtures error.
func checkFixtureErrorWording(t *testing.T, err error) {
	t.Helper()
	msg := quoted.ReplaceAllString(err.Error(), `"…"`) // values the user gave, quoted
	for _, bad := range []string{"not found in type", "yaml: ", "unmarshal", "!!"} {
		if strings.Contains(msg, bad) {
			t.Errorf("error %q carries raw parser text %q", err, bad)
		}
	}
	if goType.MatchString(msg) {
		t.Errorf("error %q names a Go type", err)
	}
}

// TestLoadFixturesFiles: the file's name leads each error; special files
// and oversized ones are refused before reading (userfile.Read).
func TestLoadFixturesFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.yaml", "mode: extend\nclients:\n  - id: c\n    secret: 'x&y'\n    colour: red\n")
	big := write("big.yaml", "mode: extend\n"+strings.Repeat("# padding\n", MaxFixturesBytes/10+1))
	fifo := filepath.Join(dir, "fifo.yaml")
	haveFIFO := mkfifo(fifo) == nil
	for _, tc := range []struct {
		name   string
		path   string
		want   []string
		wantIs error
		secret string // must not appear
	}{
		{"missing", filepath.Join(dir, "missing.yaml"), []string{"missing.yaml", "no such file"}, nil, ""},
		{"errors name file and line, all at once", bad, []string{bad + ":4: clients[0].secret: contains '&'", bad + ":5: clients[0].colour: unknown field"}, nil, "x&y"},
		{"too large", big, []string{big, "limit"}, userfile.ErrTooLarge, ""},
		{"directory", dir, []string{"a directory"}, userfile.ErrNotRegular, ""},
		{"FIFO", fifo, []string{"FIFO"}, userfile.ErrNotRegular, ""},
		{"device", "/dev/zero", []string{"/dev/zero", "character device"}, userfile.ErrNotRegular, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.path == fifo && !haveFIFO {
				t.Skip("LOUD SKIP: this system cannot make a FIFO, so the FIFO case is not tested here")
			}
			_, err := LoadFixtures(tc.path)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error %v is not %v", err, tc.wantIs)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error reveals a secret: %v", err)
			}
		})
	}
	// the secret problem alone names line 4 too
	fixed := write("fixed.yaml", "mode: extend\nclients:\n  - id: c\n    secret: 'x&y'\n")
	_, err := LoadFixtures(fixed)
	if err == nil || !strings.Contains(err.Error(), fixed+":4: clients[0].secret: contains '&'") || strings.Contains(err.Error(), "x&y") {
		t.Fatalf("bad secret: %v", err)
	}
}

// TestMergeFixturesFileIndexes: merging keeps each entry's index in the
// file, and a file of 20,000 entries parses (the merge is linear: a
// quadratic one took seconds here).
func TestMergeFixturesFileIndexes(t *testing.T) {
	base := []Client{{ID: "a"}, {ID: "b"}}
	ext := []Client{{ID: "x"}, {ID: "b", Secret: "new"}, {ID: "y"}}
	got, from := mergeByID(base, ext, func(c Client) string { return c.ID })
	wantIDs := []string{"a", "b", "x", "y"}
	wantFrom := []int{-1, 1, 0, 2}
	for i := range wantIDs {
		if got[i].ID != wantIDs[i] || from[i] != wantFrom[i] {
			t.Fatalf("merge = %+v from %v, want ids %v from %v", got, from, wantIDs, wantFrom)
		}
	}
	if got[1].Secret != "new" {
		t.Fatalf("override lost: %+v", got[1])
	}
	var b strings.Builder
	b.WriteString("mode: replace\nclients:\n")
	for i := range 20000 {
		b.WriteString("- {id: c")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString(strconv.Itoa(i))
		b.WriteString(", secret: s}\n")
	}
	fx, err := ParseFixtures([]byte(b.String()))
	if err != nil || len(fx.Clients) != 20000 {
		t.Fatalf("20,000 clients: %v", err)
	}
}

// manyBadClients is a fixtures file of n clients, each with a secret that
// holds a space, one per line from line 2.
func manyBadClients(n int) string {
	var b strings.Builder
	b.WriteString("clients:\n")
	for i := range n {
		b.WriteString("- {id: c" + strconv.Itoa(i) + ", secret: 'a b'}\n")
	}
	return b.String()
}
