package mock

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/userfile"
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

	src *fixtureSource // set by LoadFixtures/ParseFixtures: file indexes and lines for Validate
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

// MaxFixturesBytes bounds a fixtures file (LoadFixtures refuses a larger
// one before parsing it).
const MaxFixturesBytes = 1 << 20

// LoadFixtures reads a fixtures file (YAML, or JSON which is YAML too) and
// returns the fixtures the mock should use: the built-in identities extended
// by the file (mode: extend, the default) or the file alone (mode: replace).
// Only a regular file of at most MaxFixturesBytes is read (userfile.Read).
// Errors name the file, the line, the field (indexes as in the file) and
// the fix, one per line: "fixtures.yaml:12: clients[0].colour: unknown
// field; known fields: id, secret, vendor".
func LoadFixtures(path string) (*Fixtures, error) {
	raw, err := userfile.Read(path, MaxFixturesBytes)
	if err != nil {
		return nil, fmt.Errorf("fixtures: %w", err)
	}
	return parseFixtures(raw, path)
}

// ParseFixtures parses fixtures from YAML or JSON and merges them with the
// built-in identities according to their mode; see LoadFixtures. Its errors
// start with "line N: ".
func ParseFixtures(raw []byte) (*Fixtures, error) { return parseFixtures(raw, "") }

// fixtureSource is where merged fixtures came from: for each section, the
// index in the file of each merged entry (-1: built-in), and the line of
// each field path of the file (indexes as in the file).
type fixtureSource struct {
	name  string
	idx   map[string][]int
	lines map[string]int
}

// fixtureProblem is one problem of a fixtures file.
type fixtureProblem struct {
	line       int
	field, msg string
	file       string
}

func (p fixtureProblem) String() string {
	loc := ""
	switch {
	case p.file != "" && p.line > 0:
		loc = fmt.Sprintf("%s:%d: ", p.file, p.line)
	case p.file != "":
		loc = p.file + ": "
	case p.line > 0:
		loc = fmt.Sprintf("line %d: ", p.line)
	}
	if p.field == "" {
		return loc + p.msg
	}
	return loc + p.field + ": " + p.msg
}

// maxProblems is how many problems a fixtures error lists; the rest are
// counted.
const maxProblems = 20

// joinProblems sorts problems by line and joins them, one per line, at most
// maxProblems and then how many more there are.
func joinProblems(ps []fixtureProblem) error {
	if len(ps) == 0 {
		return nil
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].line < ps[j].line })
	errs := make([]error, 0, min(len(ps), maxProblems)+1)
	for _, p := range ps[:min(len(ps), maxProblems)] {
		errs = append(errs, errors.New(p.String()))
	}
	if n := len(ps) - maxProblems; n > 0 {
		errs = append(errs, errors.New(fixtureProblem{file: ps[0].file, line: ps[maxProblems].line,
			msg: fmt.Sprintf("and %d more problems from here on: fix the ones above first", n)}.String()))
	}
	return errors.Join(errs...)
}

// yamlLine matches yaml.v3's syntax errors ("yaml: line 3: ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxProblem rephrases a yaml.v3 parse error: the line, and the
// parser's own words after "YAML syntax:", never a Go type name.
func syntaxProblem(err error, file string) fixtureProblem {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return fixtureProblem{file: file, line: n, msg: "YAML syntax: " + m[2] + " (see docs/mock.md for the format)"}
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	return fixtureProblem{file: file, msg: "YAML syntax: " + msg + " (see docs/mock.md for the format)"}
}

func parseFixtures(raw []byte, file string) (*Fixtures, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, joinProblems([]fixtureProblem{{file: file, msg: "the file is empty: add at least `mode: extend` (see docs/mock.md)"}})
		}
		return nil, joinProblems([]fixtureProblem{syntaxProblem(err, file)})
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, joinProblems([]fixtureProblem{syntaxProblem(err, file)})
	default:
		return nil, joinProblems([]fixtureProblem{{file: file, line: second.Line,
			msg: "a second YAML document (after ---): put all fixtures in one document"}})
	}
	top := &doc
	if top.Kind == yaml.DocumentNode && len(top.Content) == 1 {
		top = top.Content[0]
	}
	if top.Kind == 0 || (top.Kind == yaml.ScalarNode && top.Tag == "!!null") {
		return nil, joinProblems([]fixtureProblem{{file: file, msg: "the file is empty: add at least `mode: extend` (see docs/mock.md)"}})
	}
	// Every problem is reported at once (docs/mock.md): the shape's, the
	// mode's, the duplicate ids' and the values', each field once.
	w := &fixtureWalker{file: file, lines: map[string]int{}}
	w.walk(top, reflect.TypeFor[Fixtures](), "")
	ps := w.problems
	var f Fixtures
	if err := top.Decode(&f); err != nil {
		// A value of the wrong type is left out of f (yaml.v3 decodes the
		// rest) and the walk has named it; anything else stops here.
		var te *yaml.TypeError
		if len(ps) == 0 || !errors.As(err, &te) {
			return nil, joinProblems(append(ps, fixtureProblem{file: file, line: top.Line, msg: "a value has the wrong type (see docs/mock.md for the format)"}))
		}
	}
	switch f.Mode {
	case "":
		f.Mode = ModeExtend
	case ModeExtend, ModeReplace:
	default:
		ps = append(ps, fixtureProblem{file: file, line: w.lines["mode"], field: "mode",
			msg: fmt.Sprintf("%s is not a mode: use \"extend\" (add to the built-in identities) or \"replace\"", shown(f.Mode))})
		f.Mode = ModeReplace // check the file's own entries, without the built-in ones
	}
	ps = append(ps, duplicateIDs(&f, w.lines, file)...)
	src := &fixtureSource{name: file, lines: w.lines, idx: map[string][]int{}}
	out := &f
	if f.Mode == ModeExtend {
		out = mergeFixtures(DefaultFixtures(), &f, src.idx)
	} else {
		for sec, n := range map[string]int{"clients": len(f.Clients), "vendors": len(f.Vendors), "skills": len(f.Skills), "customers": len(f.Customers)} {
			ix := make([]int, n)
			for i := range ix {
				ix[i] = i
			}
			src.idx[sec] = ix
		}
	}
	out.src = src
	ps = append(ps, unreported(out.problems(), ps)...)
	if len(ps) > 0 {
		return nil, joinProblems(ps)
	}
	return out, nil
}

// unreported returns the problems of more whose field is neither a field
// of reported nor inside one: a value the walk found of the wrong type is
// not reported again as missing.
func unreported(more, reported []fixtureProblem) []fixtureProblem {
	var out []fixtureProblem
	for _, p := range more {
		dup := false
		for _, r := range reported {
			if r.field != "" && (p.field == r.field || strings.HasPrefix(p.field, r.field+".") || strings.HasPrefix(p.field, r.field+"[")) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out
}

// duplicateIDs reports ids given twice in one section of the file, naming
// both lines (merging would otherwise keep the last one silently).
func duplicateIDs(f *Fixtures, lines map[string]int, file string) []fixtureProblem {
	var ps []fixtureProblem
	check := func(section, what string, ids []string) {
		first := map[string]int{}
		for i, id := range ids {
			if id == "" {
				continue
			}
			if j, ok := first[id]; ok {
				prev := fmt.Sprintf("%s[%d]", section, j)
				p := fmt.Sprintf("%s[%d].id", section, i)
				ps = append(ps, fixtureProblem{file: file, line: lineOf(lines, p), field: p,
					msg: fmt.Sprintf("%s is also the id of %s (line %d): give each %s its own id", shown(id), prev, lineOf(lines, prev+".id"), what)})
				continue
			}
			first[id] = i
		}
	}
	check("clients", "client", ids(f.Clients, func(c Client) string { return c.ID }))
	check("vendors", "vendor", ids(f.Vendors, func(v Vendor) string { return v.ID }))
	check("skills", "skill", ids(f.Skills, func(s Skill) string { return s.ID }))
	check("customers", "customer", ids(f.Customers, func(c Customer) string { return c.ID }))
	return ps
}

func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

// lineOf is the line of path, or of its nearest enclosing path the file
// has (0: unknown).
func lineOf(lines map[string]int, path string) int {
	for path != "" {
		if n, ok := lines[path]; ok {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// fixtureWalker checks a YAML node tree against the Fixtures types (by
// their yaml tags) before decoding: unknown and repeated keys, lists where
// a list belongs, numbers and booleans that parse, and no aliases. It
// records the line of every field path, with indexes as in the file.
type fixtureWalker struct {
	file     string
	lines    map[string]int
	problems []fixtureProblem
}

func (w *fixtureWalker) add(n *yaml.Node, path, msg string) {
	w.problems = append(w.problems, fixtureProblem{file: w.file, line: n.Line, field: path, msg: msg})
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping (key: value)"
	}
	return "a single value"
}

func (w *fixtureWalker) walk(n *yaml.Node, t reflect.Type, path string) {
	if path != "" {
		w.lines[path] = n.Line
	}
	if n.Kind == yaml.AliasNode {
		w.add(n, path, "YAML aliases (*name) are not supported in fixtures: write the value out")
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // absent: the zero value
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			w.add(n, path, "must be a mapping (key: value lines), not "+kindName(n))
			return
		}
		fields, names := yamlFields(t)
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			kp := keyName(k.Value)
			if path != "" {
				kp = path + "." + kp
			}
			switch {
			case k.Kind != yaml.ScalarNode:
				w.add(k, path, "a key must be a plain name, not "+kindName(k))
				continue
			case k.Value == "<<":
				w.add(k, path, "YAML merge keys (<<) are not supported in fixtures: write the fields out")
				continue
			}
			ft, ok := fields[k.Value]
			if !ok {
				w.add(k, kp, "unknown field; known fields: "+strings.Join(names, ", "))
				continue
			}
			if first, ok := seen[k.Value]; ok {
				w.add(k, kp, fmt.Sprintf("is given twice (first at line %d): keep one", first))
				continue
			}
			seen[k.Value] = k.Line
			w.walk(v, ft, kp)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.add(n, path, "must be a list (lines starting with '- ', or [ ... ]), not "+kindName(n))
			return
		}
		for i, e := range n.Content {
			w.walk(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			w.add(n, path, "must be a string, not "+kindName(n))
		}
	case reflect.Int:
		var v int
		if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil {
			w.add(n, path, "must be a whole number")
		}
	case reflect.Bool:
		var v bool
		if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil {
			w.add(n, path, "must be true or false")
		}
	default:
		w.add(n, path, "has a type the fixtures do not use")
	}
}

// shown is a value the user gave, as an error quotes it: quoted, and cut
// to 40 bytes so that an error stays one readable line. Never use it on a
// secret.
func shown(v string) string {
	if len(v) > 40 {
		return strconv.Quote(strings.ToValidUTF8(v[:40], "")) + "…"
	}
	return strconv.Quote(v)
}

// keyName is a key as an error shows it: as it is when it looks like a
// field name, else quoted and cut to 40 bytes (it came from the user).
func keyName(k string) string {
	plain := k != "" && len(k) <= 64
	for i := 0; plain && i < len(k); i++ {
		c := k[i]
		plain = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
	}
	if plain {
		return k
	}
	if len(k) > 40 {
		k = strings.ToValidUTF8(k[:40], "") + "…"
	}
	return strconv.Quote(k)
}

// yamlFields maps the yaml names of t's exported fields to their types,
// and lists the names in declaration order.
func yamlFields(t reflect.Type) (map[string]reflect.Type, []string) {
	m := map[string]reflect.Type{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		m[name] = sf.Type
		names = append(names, name)
	}
	return m, names
}

// mergeFixtures adds ext to base; an entry of ext with the id of an entry of
// base replaces it. idx receives, per section, the index in ext of each
// merged entry (-1: from base).
func mergeFixtures(base, ext *Fixtures, idx map[string][]int) *Fixtures {
	out := &Fixtures{Mode: ModeExtend}
	out.Clients, idx["clients"] = mergeByID(base.Clients, ext.Clients, func(c Client) string { return c.ID })
	out.Vendors, idx["vendors"] = mergeByID(base.Vendors, ext.Vendors, func(v Vendor) string { return v.ID })
	out.Skills, idx["skills"] = mergeByID(base.Skills, ext.Skills, func(s Skill) string { return s.ID })
	out.Customers, idx["customers"] = mergeByID(base.Customers, ext.Customers, func(c Customer) string { return c.ID })
	return out
}

// mergeByID returns base with ext's entries replacing those of the same id
// and the others appended, and for each entry its index in ext (-1: base).
// Ids are unique within ext (duplicateIDs checked that).
func mergeByID[T any](base, ext []T, id func(T) string) ([]T, []int) {
	out := append([]T(nil), base...)
	from := make([]int, len(base), len(base)+len(ext))
	pos := make(map[string]int, len(base)+len(ext))
	for i := range out {
		from[i] = -1
		if _, ok := pos[id(out[i])]; !ok {
			pos[id(out[i])] = i
		}
	}
	for j, e := range ext {
		if i, ok := pos[id(e)]; ok && id(e) != "" {
			out[i], from[i] = e, j
			continue
		}
		pos[id(e)] = len(out)
		out = append(out, e)
		from = append(from, j)
	}
	return out, from
}

// Validate checks the fixtures: required fields, unique ids and credentials,
// references, form-safe credentials and valid pre-seeded networks. The error
// names the field (e.g. "customers[1].refreshToken") and the fix, one
// problem per line. Fixtures from LoadFixtures or ParseFixtures are named
// as in their file, with its name and the line; a problem that only a
// built-in identity shows is reported on the file's entry it clashes with.
func (f *Fixtures) Validate() error { return joinProblems(f.problems()) }

// problems lists every problem Validate reports.
func (f *Fixtures) problems() []fixtureProblem {
	var ps []fixtureProblem
	src := f.src
	fileName := ""
	if src != nil {
		fileName = src.name
	}
	// label names entry i of a merged section: by its index in the file,
	// or as a built-in identity.
	label := func(section string, i int, id string) string {
		if src == nil || i >= len(src.idx[section]) {
			return fmt.Sprintf("%s[%d]", section, i)
		}
		if k := src.idx[section][i]; k >= 0 {
			return fmt.Sprintf("%s[%d]", section, k)
		}
		return fmt.Sprintf("the built-in %s %s", strings.TrimSuffix(section, "s"), shown(id))
	}
	builtin := func(field string) bool { return strings.HasPrefix(field, "the built-in ") }
	add := func(field, format string, a ...any) {
		p := fixtureProblem{file: fileName, field: field, msg: fmt.Sprintf(format, a...)}
		if src != nil {
			p.line = lineOf(src.lines, field)
		}
		ps = append(ps, p)
	}
	// entry is the entry of a field path ("customers[0].refreshToken" →
	// "customers[0]"); field names hold no '.'.
	entry := func(field string) string { return field[:max(0, strings.LastIndexByte(field, '.'))] }
	// clash reports that field's value is already used by prevField's
	// entry, whose label the format's last verb receives; when field is a
	// built-in one and prevField the file's, it is reported on prevField.
	clash := func(field, prevField, format string, a ...any) {
		if builtin(field) && !builtin(prevField) {
			field, prevField = prevField, field
		}
		add(field, format, append(a, entry(prevField))...)
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
		p := label("clients", i, c.ID)
		credential(p+".id", c.ID, true)
		credential(p+".secret", c.Secret, true)
		if len(c.ID) > 200 {
			add(p+".id", "is longer than 200 bytes: choose a shorter id")
		}
		if prev, ok := clientIDs[c.ID]; ok && c.ID != "" {
			clash(p+".id", prev, "%s is already used by %s: give each client its own id", shown(c.ID))
		}
		clientIDs[c.ID] = p + ".id"
	}
	vendors := map[string]bool{}
	refresh := map[string]string{}
	codes := map[string]string{}
	uniq := func(m map[string]string, field, v, what string) {
		if v == "" {
			return
		}
		if prev, ok := m[v]; ok {
			clash(field, prev, "the same %s is already used by %s: %[1]ss must be unique", what)
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
		p := label("vendors", i, v.ID)
		idRules(p+".id", v.ID)
		if v.ID == "" {
			add(p+".id", "is required")
		} else if vendors[v.ID] {
			add(p+".id", "%s is used twice: give each vendor its own id", shown(v.ID))
		}
		vendors[v.ID] = true
		credential(p+".refreshToken", v.RefreshToken, true)
		credential(p+".authorizationCode", v.AuthorizationCode, false)
		uniq(refresh, p+".refreshToken", v.RefreshToken, "refresh token")
		uniq(codes, p+".authorizationCode", v.AuthorizationCode, "authorization code")
	}
	for i, c := range f.Clients {
		if c.Vendor != "" && !vendors[c.Vendor] {
			add(label("clients", i, c.ID)+".vendor", "%s is not a vendor id: use one of the vendors' ids or leave it out", shown(c.Vendor))
		}
	}
	skills := map[string]bool{}
	for i, s := range f.Skills {
		p := label("skills", i, s.ID)
		switch {
		case s.ID == "":
			add(p+".id", "is required")
		case len([]rune(s.ID)) > 255:
			add(p+".id", "is longer than 255 characters: SMAPI skill ids are 1–255 characters")
		case strings.ContainsAny(s.ID, "/?#%"):
			add(p+".id", "contains '/', '?', '#' or '%%': a skill id must be a single path segment")
		case skills[s.ID]:
			add(p+".id", "%s is used twice: give each skill its own id", shown(s.ID))
		}
		skills[s.ID] = true
		if !vendors[s.Vendor] {
			add(p+".vendor", "%s is not a vendor id: use one of the vendors' ids", shown(s.Vendor))
		}
		credential(p+".clientId", s.ClientID, true)
		credential(p+".clientSecret", s.ClientSecret, true)
		if len(s.ClientID) > 200 {
			add(p+".clientId", "is longer than 200 bytes: choose a shorter id")
		}
		if prev, ok := clientIDs[s.ClientID]; ok && s.ClientID != "" {
			clash(p+".clientId", prev, "%s is already used by %s: the skill's messaging client id must be unique", shown(s.ClientID))
		}
		clientIDs[s.ClientID] = p + ".clientId"
	}
	customers := map[string]bool{}
	for i, c := range f.Customers {
		p := label("customers", i, c.ID)
		idRules(p+".id", c.ID)
		if c.ID == "" {
			add(p+".id", "is required")
		} else if customers[c.ID] || vendors[c.ID] {
			add(p+".id", "%s is used twice (customer and vendor ids share one name space): choose another id", shown(c.ID))
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
	return ps
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
