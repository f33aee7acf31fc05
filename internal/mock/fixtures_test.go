package mock

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		name, yaml string
		wantErr    []string // substrings of the error; none = valid
		check      func(t *testing.T, f *Fixtures)
	}{
		{name: "empty file", yaml: "", wantErr: []string{"empty"}},
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
		{name: "bad mode", yaml: "mode: merge", wantErr: []string{"mode", "extend", "replace"}},
		{name: "unknown field", yaml: "customer: []", wantErr: []string{"customer", "not found"}},
		{name: "plus in secret", yaml: "clients: [{id: c, secret: a+b}]", wantErr: []string{"clients[1].secret", "'+'"}},
		{name: "ampersand in refresh token", yaml: "vendors: [{id: v, refreshToken: 'Atzr|a&b'}]", wantErr: []string{"vendors[2].refreshToken", "URL-encoding"}},
		{name: "percent in skill secret", yaml: "skills: [{id: s2, vendor: vendor-a, clientId: x, clientSecret: '50%'}]", wantErr: []string{"skills[1].clientSecret"}},
		{name: "equals in code", yaml: "customers: [{id: z, refreshToken: Atzr|z, authorizationCode: 'a=b'}]", wantErr: []string{"customers[3].authorizationCode"}},
		{name: "space in secret", yaml: "clients: [{id: c, secret: 'a b'}]", wantErr: []string{"clients[1].secret", "white space"}},
		{name: "missing refresh token", yaml: "customers: [{id: z}]", wantErr: []string{"customers[3].refreshToken", "required"}},
		{name: "duplicate refresh token", yaml: "customers: [{id: z, refreshToken: 'Atzr|harness-customer-a'}]", wantErr: []string{"customers[3].refreshToken", "unique"}},
		{name: "skill of unknown vendor", yaml: "skills: [{id: s2, vendor: nobody, clientId: x, clientSecret: y}]", wantErr: []string{"skills[1].vendor", "nobody"}},
		{name: "skill id too long", yaml: "skills: [{id: " + strings.Repeat("s", 256) + ", vendor: vendor-a, clientId: x, clientSecret: y}]", wantErr: []string{"skills[1].id", "255"}},
		{name: "bad network", yaml: "customers: [{id: z, refreshToken: Atzr|z, networks: [{extendedPanId: p, networkName: '12345678901234567', networkKey: k}]}]",
			wantErr: []string{"customers[3].networks[0].networkName", "16 bytes"}},
		{name: "duplicate network", yaml: "customers: [{id: z, refreshToken: Atzr|z, networks: [{extendedPanId: p, networkName: n, networkKey: k}, {extendedPanId: p, networkName: n, networkKey: k2}]}]",
			wantErr: []string{"customers[3].networks[1]", "409"}},
		{name: "client vendor unknown", yaml: "clients: [{id: c, secret: s, vendor: nobody}]", wantErr: []string{"clients[1].vendor"}},
		{name: "reserved id prefix", yaml: "customers: [{id: 'client:x', refreshToken: Atzr|cx}]", wantErr: []string{"customers[3].id", "client:"}},
		{name: "id too long", yaml: "vendors: [{id: " + strings.Repeat("v", 201) + ", refreshToken: Atzr|vv}]", wantErr: []string{"vendors[2].id", "200 bytes"}},
		{name: "two errors at once", yaml: "clients: [{id: c}]\ncustomers: [{id: z}]", wantErr: []string{"clients[1].secret", "customers[3].refreshToken"}},
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
		})
	}
}

func TestLoadFixturesFileErrors(t *testing.T) {
	if _, err := LoadFixtures(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("missing file: %v", err)
	}
	p := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(p, []byte("clients: [{id: c, secret: 'x&y'}]"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFixtures(p)
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "clients[1].secret") {
		t.Fatalf("bad file: %v", err)
	}
	if strings.Contains(err.Error(), "x&y") {
		t.Fatalf("error reveals secrets: %v", err)
	}
}
