package mock

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/alexa-harness/harness/internal/contract"
)

// Fixture modes.
const (
	ModeExtend  = "extend"  // add the file's identities to the built-in ones (same id: the file's entry wins)
	ModeReplace = "replace" // use only the file's identities
)

// Fixtures are the identities and data the mock starts from (and returns to
// on POST /__harness/reset). The zero value of a field means "none".
type Fixtures struct {
	// Mode is "extend" (default) or "replace"; it only matters when loading a
	// file: the built-in identities are extended or replaced.
	Mode string `yaml:"mode,omitempty" json:"mode,omitempty"`
	// Clients are the LWA clients (OAuth client id and secret) allowed to call
	// POST /auth/o2/token. Every skill's messaging credentials are an LWA
	// client too (for grant_type=client_credentials).
	Clients   []Client   `yaml:"clients,omitempty" json:"clients,omitempty"`
	Vendors   []Vendor   `yaml:"vendors,omitempty" json:"vendors,omitempty"`
	Skills    []Skill    `yaml:"skills,omitempty" json:"skills,omitempty"`
	Customers []Customer `yaml:"customers,omitempty" json:"customers,omitempty"`
}

// Client is an LWA client.
type Client struct {
	ID     string `yaml:"id" json:"id"`
	Secret string `yaml:"secret" json:"secret"`
	// Vendor, when set, is the vendor a client_credentials token of this
	// client acts as on SMAPI. Empty: such a token is valid but owns nothing.
	Vendor string `yaml:"vendor,omitempty" json:"vendor,omitempty"`
}

// Vendor is a developer account: its access tokens call SMAPI.
type Vendor struct {
	ID                string `yaml:"id" json:"id"`
	RefreshToken      string `yaml:"refreshToken" json:"refreshToken"`
	AuthorizationCode string `yaml:"authorizationCode,omitempty" json:"authorizationCode,omitempty"`
}

// Skill is a skill owned by a vendor, with its messaging credentials.
type Skill struct {
	ID           string `yaml:"id" json:"id"`
	Vendor       string `yaml:"vendor" json:"vendor"`
	ClientID     string `yaml:"clientId" json:"clientId"`
	ClientSecret string `yaml:"clientSecret" json:"clientSecret"`
}

// Customer is an Alexa customer: its access tokens call Credential Locker.
type Customer struct {
	ID                string `yaml:"id" json:"id"`
	RefreshToken      string `yaml:"refreshToken" json:"refreshToken"`
	AuthorizationCode string `yaml:"authorizationCode,omitempty" json:"authorizationCode,omitempty"`
	// ThreadScope says whether the customer granted the Thread network
	// permission; nil means true.
	ThreadScope *bool `yaml:"threadScope,omitempty" json:"threadScope,omitempty"`
	// Networks are pre-seeded Thread networks of this customer.
	Networks []ThreadNetwork `yaml:"networks,omitempty" json:"networks,omitempty"`
}

// HasThreadScope reports whether the customer granted the Thread scope.
func (c Customer) HasThreadScope() bool { return c.ThreadScope == nil || *c.ThreadScope }

// ThreadNetwork is one Thread network as Credential Locker stores it.
type ThreadNetwork struct {
	ExtendedPanID        string `yaml:"extendedPanId" json:"extendedPanId"`
	NetworkName          string `yaml:"networkName" json:"networkName"`
	NetworkKey           string `yaml:"networkKey" json:"networkKey"`
	PSKc                 string `yaml:"pskc,omitempty" json:"pskc,omitempty"`
	PanID                string `yaml:"panId,omitempty" json:"panId,omitempty"`
	ChannelNumber        *int   `yaml:"channelNumber,omitempty" json:"channelNumber,omitempty"`
	DefaultBorderAgentID string `yaml:"defaultBorderAgentId,omitempty" json:"defaultBorderAgentId,omitempty"`
}

// Well-known ids of the built-in identities and their authorization codes
// (grant_type=authorization_code). Like the refresh tokens, these are public
// test credentials of the local mock.
const (
	CustomerAID       = "customer-a"
	CustomerBID       = "customer-b"
	CustomerNoScopeID = "customer-noscope"
	VendorAID         = "vendor-a"
	VendorBID         = "vendor-b"

	CodeCustomerA       = "harness-code-customer-a"
	CodeCustomerB       = "harness-code-customer-b"
	CodeCustomerNoScope = "harness-code-customer-noscope"
	CodeVendorA         = "harness-code-vendor"
	CodeVendorB         = "harness-code-vendor-other"
)

// DefaultFixtures returns the well-known identities of docs/mock.md.
func DefaultFixtures() *Fixtures {
	no := false
	return &Fixtures{
		Mode:    ModeExtend,
		Clients: []Client{{ID: contract.MockLWAClientID, Secret: contract.MockLWAClientSecret}},
		Vendors: []Vendor{
			{ID: VendorAID, RefreshToken: contract.MockVendorRefreshToken, AuthorizationCode: CodeVendorA},
			{ID: VendorBID, RefreshToken: contract.MockOtherVendorRefresh, AuthorizationCode: CodeVendorB},
		},
		Skills: []Skill{{
			ID: contract.MockSkillID, Vendor: VendorAID,
			ClientID: contract.MockSkillClientID, ClientSecret: contract.MockSkillClientSecret,
		}},
		Customers: []Customer{
			{ID: CustomerAID, RefreshToken: contract.MockCustomerARefresh, AuthorizationCode: CodeCustomerA},
			{ID: CustomerBID, RefreshToken: contract.MockCustomerBRefresh, AuthorizationCode: CodeCustomerB},
			{ID: CustomerNoScopeID, RefreshToken: contract.MockCustomerNoScopeRefresh, AuthorizationCode: CodeCustomerNoScope, ThreadScope: &no},
		},
	}
}

// LoadFixtures reads a fixtures file (YAML, or JSON which is YAML too) and
// returns the fixtures the mock should use: the built-in identities extended
// by the file (mode: extend, the default) or the file alone (mode: replace).
// Errors name the file, the field and the fix.
func LoadFixtures(path string) (*Fixtures, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fixtures: %w", err)
	}
	f, err := ParseFixtures(raw)
	if err != nil {
		return nil, fmt.Errorf("fixtures %s: %w", path, err)
	}
	return f, nil
}

// ParseFixtures parses fixtures from YAML or JSON and merges them with the
// built-in identities according to their mode; see LoadFixtures.
func ParseFixtures(raw []byte) (*Fixtures, error) {
	var f Fixtures
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty: add at least `mode: extend` (see docs/mock.md)")
		}
		return nil, fmt.Errorf("%w (see docs/mock.md for the format)", err)
	}
	switch f.Mode {
	case "":
		f.Mode = ModeExtend
	case ModeExtend, ModeReplace:
	default:
		return nil, fmt.Errorf("mode: %q is not a mode: use \"extend\" (add to the built-in identities) or \"replace\"", f.Mode)
	}
	out := &f
	if f.Mode == ModeExtend {
		out = mergeFixtures(DefaultFixtures(), &f)
	}
	if err := out.Validate(); err != nil {
		return nil, err
	}
	return out, nil
}

// mergeFixtures adds ext to base; an entry of ext with the id of an entry of
// base replaces it.
func mergeFixtures(base, ext *Fixtures) *Fixtures {
	out := &Fixtures{Mode: ModeExtend}
	out.Clients = mergeByID(base.Clients, ext.Clients, func(c Client) string { return c.ID })
	out.Vendors = mergeByID(base.Vendors, ext.Vendors, func(v Vendor) string { return v.ID })
	out.Skills = mergeByID(base.Skills, ext.Skills, func(s Skill) string { return s.ID })
	out.Customers = mergeByID(base.Customers, ext.Customers, func(c Customer) string { return c.ID })
	return out
}

func mergeByID[T any](base, ext []T, id func(T) string) []T {
	out := append([]T(nil), base...)
	for _, e := range ext {
		replaced := false
		for i := range out {
			if id(out[i]) == id(e) {
				out[i], replaced = e, true
				break
			}
		}
		if !replaced {
			out = append(out, e)
		}
	}
	return out
}

// Validate checks the fixtures: required fields, unique ids and credentials,
// references, form-safe credentials and valid pre-seeded networks. The error
// names the field (e.g. "customers[1].refreshToken") and the fix.
func (f *Fixtures) Validate() error {
	var errs []error
	add := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, a...)))
	}
	credential := func(field, v string, required bool) {
		if v == "" {
			if required {
				add(field, "is required")
			}
			return
		}
		if i := strings.IndexAny(v, "+&=%"); i >= 0 {
			add(field, "contains %q: remove '+', '&', '=' and '%%' (Amazon's SDK sends form values without URL-encoding them, so the value would not arrive intact)", v[i])
		}
		for _, r := range v {
			if unicode.IsSpace(r) || unicode.IsControl(r) {
				add(field, "contains white space or a control character: remove it")
				break
			}
		}
	}
	clientIDs := map[string]string{}
	for i, c := range f.Clients {
		p := fmt.Sprintf("clients[%d]", i)
		credential(p+".id", c.ID, true)
		credential(p+".secret", c.Secret, true)
		if len(c.ID) > 200 {
			add(p+".id", "is longer than 200 bytes: choose a shorter id")
		}
		if prev, ok := clientIDs[c.ID]; ok && c.ID != "" {
			add(p+".id", "%q is already used by %s: give each client its own id", c.ID, prev)
		}
		clientIDs[c.ID] = p
	}
	vendors := map[string]bool{}
	refresh := map[string]string{}
	codes := map[string]string{}
	uniq := func(m map[string]string, field, v, what string) {
		if v == "" {
			return
		}
		if prev, ok := m[v]; ok {
			add(field, "the same %s is already used by %s: %ss must be unique", what, prev, what)
			return
		}
		m[v] = field
	}
	idRules := func(field, id string) {
		switch {
		case strings.HasPrefix(id, "client:"):
			add(field, "must not start with \"client:\" (reserved for LWA clients acting as themselves)")
		case len(id) > 200:
			add(field, "is longer than 200 bytes: choose a shorter id")
		}
	}
	for i, v := range f.Vendors {
		p := fmt.Sprintf("vendors[%d]", i)
		idRules(p+".id", v.ID)
		if v.ID == "" {
			add(p+".id", "is required")
		} else if vendors[v.ID] {
			add(p+".id", "%q is used twice: give each vendor its own id", v.ID)
		}
		vendors[v.ID] = true
		credential(p+".refreshToken", v.RefreshToken, true)
		credential(p+".authorizationCode", v.AuthorizationCode, false)
		uniq(refresh, p+".refreshToken", v.RefreshToken, "refresh token")
		uniq(codes, p+".authorizationCode", v.AuthorizationCode, "authorization code")
	}
	for i, c := range f.Clients {
		if c.Vendor != "" && !vendors[c.Vendor] {
			add(fmt.Sprintf("clients[%d].vendor", i), "%q is not a vendor id: use one of the vendors' ids or leave it out", c.Vendor)
		}
	}
	skills := map[string]bool{}
	for i, s := range f.Skills {
		p := fmt.Sprintf("skills[%d]", i)
		switch {
		case s.ID == "":
			add(p+".id", "is required")
		case len([]rune(s.ID)) > 255:
			add(p+".id", "is longer than 255 characters: SMAPI skill ids are 1–255 characters")
		case strings.ContainsAny(s.ID, "/?#%"):
			add(p+".id", "contains '/', '?', '#' or '%%': a skill id must be a single path segment")
		case skills[s.ID]:
			add(p+".id", "%q is used twice: give each skill its own id", s.ID)
		}
		skills[s.ID] = true
		if !vendors[s.Vendor] {
			add(p+".vendor", "%q is not a vendor id: use one of the vendors' ids", s.Vendor)
		}
		credential(p+".clientId", s.ClientID, true)
		credential(p+".clientSecret", s.ClientSecret, true)
		if len(s.ClientID) > 200 {
			add(p+".clientId", "is longer than 200 bytes: choose a shorter id")
		}
		if prev, ok := clientIDs[s.ClientID]; ok && s.ClientID != "" {
			add(p+".clientId", "%q is already used by %s: the skill's messaging client id must be unique", s.ClientID, prev)
		}
		clientIDs[s.ClientID] = p
	}
	customers := map[string]bool{}
	for i, c := range f.Customers {
		p := fmt.Sprintf("customers[%d]", i)
		idRules(p+".id", c.ID)
		if c.ID == "" {
			add(p+".id", "is required")
		} else if customers[c.ID] || vendors[c.ID] {
			add(p+".id", "%q is used twice (customer and vendor ids share one name space): choose another id", c.ID)
		}
		customers[c.ID] = true
		credential(p+".refreshToken", c.RefreshToken, true)
		credential(p+".authorizationCode", c.AuthorizationCode, false)
		uniq(refresh, p+".refreshToken", c.RefreshToken, "refresh token")
		uniq(codes, p+".authorizationCode", c.AuthorizationCode, "authorization code")
		seen := map[string]bool{}
		for j, n := range c.Networks {
			np := fmt.Sprintf("%s.networks[%d]", p, j)
			if e := checkNetwork(n, false); e != nil {
				add(np+"."+e.Field, "%s", e.Reason)
				continue
			}
			k := n.ExtendedPanID + "\x00" + n.NetworkName
			if seen[k] {
				add(np, "a network with this extendedPanId and networkName is already listed: the mock would answer 409 on it")
			}
			seen[k] = true
		}
	}
	return errors.Join(errs...)
}

// fieldError is a semantic validation failure of one field.
type fieldError struct{ Field, Reason string }

func (e *fieldError) Error() string { return e.Field + ": " + e.Reason }

// checkNetwork applies the rules OpenAPI cannot express (and, so that
// fixtures need no OpenAPI document, the basic ones too): required fields,
// networkName at most 16 bytes of UTF-8, channelNumber 11–26, and in strict
// Thread mode the hex forms of extendedPanId, networkKey, pskc and panId.
func checkNetwork(n ThreadNetwork, strict bool) *fieldError {
	switch {
	case n.ExtendedPanID == "":
		return &fieldError{"extendedPanId", "is required and must be a non-empty string"}
	case n.NetworkName == "":
		return &fieldError{"networkName", "is required and must be a non-empty string"}
	case len(n.NetworkName) > 16:
		return &fieldError{"networkName", fmt.Sprintf("is %d bytes long in UTF-8: at most 16 bytes are allowed", len(n.NetworkName))}
	case n.NetworkKey == "":
		return &fieldError{"networkKey", "is required and must be a non-empty string"}
	case n.ChannelNumber != nil && (*n.ChannelNumber < 11 || *n.ChannelNumber > 26):
		return &fieldError{"channelNumber", fmt.Sprintf("is %d: it must be an 802.15.4 channel from 11 to 26", *n.ChannelNumber)}
	}
	if !strict {
		return nil
	}
	switch {
	case !isHex(n.ExtendedPanID, 16):
		return &fieldError{"extendedPanId", "must be 16 hexadecimal digits (8 bytes) in strict Thread mode"}
	case !isHex(n.NetworkKey, 32):
		return &fieldError{"networkKey", "must be 32 hexadecimal digits (16 bytes) in strict Thread mode"}
	case n.PSKc != "" && !isHex(n.PSKc, 32):
		return &fieldError{"pskc", "must be 32 hexadecimal digits (16 bytes) in strict Thread mode"}
	case n.PanID != "" && (!isHex(n.PanID, 4) || strings.EqualFold(n.PanID, "ffff")):
		return &fieldError{"panId", "must be 4 hexadecimal digits other than ffff in strict Thread mode"}
	}
	return nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
