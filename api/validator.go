package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/alexa-harness/harness/internal/contract"
)

// ErrNoRoute is wrapped by the *ValidationError that ValidateRequest and
// ValidateResponse return when no operation serves the request's method and
// path (the services answer such requests 404).
var ErrNoRoute = errors.New("no operation serves this method and path")

// ValidationError is a request or response that does not match the contract.
// Field names the offending JSON field ("threadNetwork.networkName",
// "threadNetworks[0].networkKey"), parameter ("maxResults", "skillId"), header
// ("Content-Type", "Retry-After") or part of the message ("body", "status",
// "path"). Reason says what is wrong and how to fix it; it never quotes the
// value that failed, which may be a secret.
type ValidationError struct {
	Field  string
	Reason string
	err    error // optional cause, e.g. ErrNoRoute
}

// Error returns "Field: Reason".
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

// Unwrap returns the cause (ErrNoRoute for unknown routes), if any.
func (e *ValidationError) Unwrap() error { return e.err }

// Validator validates requests and responses against the embedded document.
// It is immutable after NewValidator and safe for concurrent use.
type Validator struct {
	doc          *openapi3.T
	ops          map[string]*operation
	unknownRoute *openapi3.Schema
	paramOpts    *openapi3filter.Options
}

// operation is one operation of the document, resolved once.
type operation struct {
	name       string
	route      *routers.Route
	query      []*openapi3.Parameter // query parameters
	path       []*openapi3.Parameter // path parameters
	body       *openapi3.Schema      // request body schema, nil if none
	bodyMedia  string                // its media type
	bodyNeeded bool
	maxBytes   []byteRule // x-max-bytes of the request body
	grantReq   map[string][]string
	responses  map[int]*response
	statuses   []int
}

// response is one documented response of an operation.
type response struct {
	media    string           // "" when the response has no body
	schema   *openapi3.Schema // nil when the response has no body
	headers  []header
	maxBytes []byteRule
}

type header struct {
	name   string
	schema *openapi3.Schema
}

// byteRule is an x-max-bytes bound at a field path; "[]" segments stand for
// every element of an array.
type byteRule struct {
	path []string
	max  int
}

// NewValidator loads and validates the embedded document and resolves every
// operation. It fails if the document is invalid or does not describe exactly
// the operations of internal/contract.
func NewValidator() (*Validator, error) {
	ctx := context.Background()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(document)
	if err != nil {
		return nil, fmt.Errorf("api: load openapi.yaml: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("api: openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	v := &Validator{
		doc: doc,
		ops: make(map[string]*operation),
		// Defaults are never written back: the caller's request stays untouched.
		paramOpts: &openapi3filter.Options{SkipSettingDefaults: true},
	}
	if s := doc.Components.Schemas["UnknownRouteError"]; s != nil {
		v.unknownRoute = s.Value
	} else {
		return nil, errors.New("api: openapi.yaml lacks components.schemas.UnknownRouteError")
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name, _, ok := route(method, samplePath(path))
			if !ok || name != op.OperationID {
				return nil, fmt.Errorf("api: %s %s (operationId %q) is not routed by OperationOf", method, path, op.OperationID)
			}
			o, err := newOperation(doc, path, item, method, op)
			if err != nil {
				return nil, err
			}
			v.ops[name] = o
		}
	}
	for _, name := range contract.Operations() {
		if v.ops[name] == nil {
			return nil, fmt.Errorf("api: openapi.yaml lacks operation %q", name)
		}
	}
	return v, nil
}

// samplePath fills path templates so that route can check them.
func samplePath(p string) string { return strings.ReplaceAll(p, "{skillId}", "x") }

func newOperation(doc *openapi3.T, path string, item *openapi3.PathItem, method string, op *openapi3.Operation) (*operation, error) {
	o := &operation{
		name:      op.OperationID,
		route:     &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op},
		responses: make(map[int]*response),
	}
	params := append(append(openapi3.Parameters(nil), item.Parameters...), op.Parameters...)
	for _, p := range params {
		switch p.Value.In {
		case openapi3.ParameterInQuery:
			o.query = append(o.query, p.Value)
		case openapi3.ParameterInPath:
			o.path = append(o.path, p.Value)
		}
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		o.bodyNeeded = rb.Value.Required
		for media, mt := range rb.Value.Content {
			if mt.Schema == nil {
				continue
			}
			o.body, o.bodyMedia = mt.Schema.Value, media
			o.maxBytes = collectMaxBytes(o.body, nil, nil)
			if gr, ok := o.body.Extensions["x-grant-requires"]; ok {
				m, err := grantRequires(gr)
				if err != nil {
					return nil, fmt.Errorf("api: %s: x-grant-requires: %w", op.OperationID, err)
				}
				o.grantReq = m
			}
		}
	}
	for code, rr := range op.Responses.Map() {
		status, err := strconv.Atoi(code)
		if err != nil {
			return nil, fmt.Errorf("api: %s: response %q: only explicit status codes are used", op.OperationID, code)
		}
		r := &response{}
		for name, h := range rr.Value.Headers {
			r.headers = append(r.headers, header{name: http.CanonicalHeaderKey(name), schema: h.Value.Schema.Value})
		}
		for media, mt := range rr.Value.Content {
			r.media = media
			if mt.Schema != nil {
				r.schema = mt.Schema.Value
				r.maxBytes = collectMaxBytes(r.schema, nil, nil)
			}
		}
		o.responses[status] = r
		o.statuses = append(o.statuses, status)
	}
	sort.Ints(o.statuses)
	return o, nil
}

// grantRequires decodes the x-grant-requires extension: grant type -> fields.
func grantRequires(ext any) (map[string][]string, error) {
	raw, err := json.Marshal(ext)
	if err != nil {
		return nil, err
	}
	var m map[string][]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("want a map of grant type to field names: %w", err)
	}
	return m, nil
}

// collectMaxBytes finds every x-max-bytes bound under s.
func collectMaxBytes(s *openapi3.Schema, path []string, seen []*openapi3.Schema) []byteRule {
	if s == nil || slices.Contains(seen, s) {
		return nil
	}
	seen = append(seen, s)
	var out []byteRule
	if x, ok := s.Extensions["x-max-bytes"]; ok {
		if n, ok := toInt(x); ok {
			out = append(out, byteRule{path: slices.Clone(path), max: n})
		}
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		out = append(out, collectMaxBytes(s.Properties[name].Value, append(path, name), seen)...)
	}
	if s.Items != nil {
		out = append(out, collectMaxBytes(s.Items.Value, append(path, "[]"), seen)...)
	}
	return out
}

func toInt(x any) (int, bool) {
	switch n := x.(type) {
	case float64:
		return int(n), true
	case int:
		return n, true
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}

// ValidateRequest checks a request against its operation: path and query
// parameters, Content-Type and body (body is the request body the caller has
// already read; r.Body is not touched). It does not authenticate: the
// Authorization header is the service's (the mock's) business, since its
// answer (401) is part of the contract under test. GET requests need no
// Content-Type or Accept header. r is not modified. The error, if any, is a
// *ValidationError.
func (v *Validator) ValidateRequest(ctx context.Context, r *http.Request, body []byte) error {
	name, skillID, ok := route(r.Method, r.URL.Path)
	if !ok {
		return noRoute(r)
	}
	op := v.ops[name]
	if len(op.query) > 0 || len(op.path) > 0 {
		in := &openapi3filter.RequestValidationInput{
			Request: r,
			Route:   op.route,
			Options: v.paramOpts,
		}
		if len(op.path) > 0 {
			in.PathParams = map[string]string{"skillId": skillID}
		}
		if len(op.query) > 0 {
			q, err := url.ParseQuery(r.URL.RawQuery)
			if err != nil {
				return &ValidationError{Field: "query", Reason: "is not a valid URL query (a malformed %-escape or a ';'): percent-encode the parameter values"}
			}
			in.QueryParams = q
			for _, p := range op.query {
				if len(q[p.Name]) > 1 {
					return &ValidationError{Field: p.Name, Reason: "is given more than once: send the query parameter once"}
				}
			}
		}
		for _, p := range op.path {
			if err := openapi3filter.ValidateParameter(ctx, in, p); err != nil {
				return paramError(p, err)
			}
		}
		for _, p := range op.query {
			if err := openapi3filter.ValidateParameter(ctx, in, p); err != nil {
				return paramError(p, err)
			}
		}
	}
	if op.body != nil {
		return op.validateBody(r.Header.Get("Content-Type"), body)
	}
	return nil
}

func noRoute(r *http.Request) error {
	return &ValidationError{
		Field: "path",
		Reason: fmt.Sprintf("no operation serves %s %s: use PUT or GET %s, GET %s, or POST %s",
			r.Method, r.URL.Path, contract.ThreadNetworksPath,
			fmt.Sprintf(contract.SkillCredentialsFmt, "{skillId}"), contract.TokenPath),
		err: ErrNoRoute,
	}
}

// validateBody checks a request body.
func (op *operation) validateBody(contentType string, body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		if op.bodyNeeded {
			return &ValidationError{Field: "body", Reason: fmt.Sprintf("is missing: send a body of type %s (%s)", op.bodyMedia, bodyHint(op.name))}
		}
		return nil
	}
	if contentType != "" && !mediaMatches(contentType, op.bodyMedia) {
		return &ValidationError{Field: "Content-Type", Reason: fmt.Sprintf("must be %s for %s: set the Content-Type header to %s", op.bodyMedia, op.name, op.bodyMedia)}
	}
	var value any
	switch op.bodyMedia {
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return &ValidationError{Field: "body", Reason: "is not a valid application/x-www-form-urlencoded form (a malformed %-escape or a ';'): percent-encode the form values"}
		}
		m := make(map[string]any, len(form))
		for k, vs := range form {
			if k == "" {
				return &ValidationError{Field: "body", Reason: "has a form parameter with no name (an '=' with nothing before it): send name=value pairs"}
			}
			if len(vs) > 1 {
				return &ValidationError{Field: k, Reason: "is given more than once: send each form parameter once (RFC 6749 section 3.2)"}
			}
			m[k] = vs[0]
		}
		value = m
	default:
		if err := json.Unmarshal(body, &value); err != nil {
			reason := "is not valid JSON"
			var se *json.SyntaxError
			if errors.As(err, &se) {
				reason += fmt.Sprintf(" (syntax error at byte %d)", se.Offset)
			}
			return &ValidationError{Field: "body", Reason: reason + ": send a JSON object (" + bodyHint(op.name) + ")"}
		}
	}
	if err := op.body.VisitJSON(value, openapi3.VisitAsRequest()); err != nil {
		return schemaError(err, "body")
	}
	if err := checkMaxBytes(op.maxBytes, value); err != nil {
		return err
	}
	if op.grantReq != nil {
		m, _ := value.(map[string]any)
		grant, _ := m["grant_type"].(string)
		for _, f := range op.grantReq[grant] {
			if s, _ := m[f].(string); s == "" {
				return &ValidationError{Field: f, Reason: fmt.Sprintf("is required for grant_type %s: add a non-empty %s form parameter", grant, f)}
			}
		}
	}
	return nil
}

func bodyHint(op string) string {
	switch op {
	case contract.OpCreateThreadNetwork:
		return `{"threadNetwork": {"extendedPanId": ..., "networkName": ..., "networkKey": ...}}`
	case contract.OpToken:
		return "grant_type=refresh_token&client_id=...&client_secret=...&refresh_token=..."
	}
	return "see api/openapi.yaml"
}

// mediaMatches reports whether a Content-Type header value names media
// (parameters such as charset are ignored; +json suffixes match JSON).
func mediaMatches(contentType, media string) bool {
	base, _, _ := strings.Cut(contentType, ";")
	base = strings.TrimSpace(base)
	if strings.EqualFold(base, media) {
		return true
	}
	if media == "application/json" {
		if _, sub, ok := strings.Cut(strings.ToLower(base), "/"); ok && strings.HasSuffix(sub, "+json") {
			return true
		}
	}
	return false
}

// checkMaxBytes enforces x-max-bytes (UTF-8 byte length) bounds.
func checkMaxBytes(rules []byteRule, value any) error {
	for _, rule := range rules {
		if err := walkMaxBytes(rule, 0, value, nil); err != nil {
			return err
		}
	}
	return nil
}

func walkMaxBytes(rule byteRule, i int, value any, at []string) error {
	if i == len(rule.path) {
		if s, ok := value.(string); ok && len(s) > rule.max {
			return &ValidationError{Field: fieldPath(at), Reason: fmt.Sprintf("must be at most %d bytes of UTF-8 (non-ASCII characters take 2-4 bytes each): shorten it", rule.max)}
		}
		return nil
	}
	seg := rule.path[i]
	if seg == "[]" {
		arr, _ := value.([]any)
		for j, el := range arr {
			if err := walkMaxBytes(rule, i+1, el, append(at, strconv.Itoa(j))); err != nil {
				return err
			}
		}
		return nil
	}
	m, ok := value.(map[string]any)
	if !ok {
		return nil
	}
	child, ok := m[seg]
	if !ok {
		return nil
	}
	return walkMaxBytes(rule, i+1, child, append(at, seg))
}

// ValidateResponse checks a response (status, headers, body) that answered r
// against r's operation. Undocumented statuses, a body where none is
// documented, a missing or non-JSON body, a missing required field and a
// wrong type all fail. A 404 to an unknown route is checked against
// components.schemas.UnknownRouteError. The error, if any, is a
// *ValidationError.
func (v *Validator) ValidateResponse(ctx context.Context, r *http.Request, status int, h http.Header, body []byte) error {
	name, _, ok := route(r.Method, r.URL.Path)
	if !ok {
		if status != http.StatusNotFound {
			err := noRoute(r).(*ValidationError)
			err.Reason = fmt.Sprintf("status %d to an unknown route: an unknown route must answer 404 (%s)", status, err.Reason)
			return err
		}
		return validateJSONBody(h, body, "application/json", v.unknownRoute, nil, "404 to an unknown route")
	}
	op := v.ops[name]
	resp := op.responses[status]
	if resp == nil {
		return &ValidationError{Field: "status", Reason: fmt.Sprintf("%d is not documented for %s: answer one of %v", status, op.name, op.statuses)}
	}
	for _, hd := range resp.headers {
		raw := h.Get(hd.name)
		if raw == "" {
			continue
		}
		var value any = strings.TrimSpace(raw)
		if hd.schema.Type.Is(openapi3.TypeInteger) {
			n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
			if err != nil {
				return &ValidationError{Field: hd.name, Reason: "must be an integer: " + describe(hd.schema)}
			}
			value = float64(n)
		}
		if err := hd.schema.VisitJSON(value, openapi3.VisitAsResponse()); err != nil {
			e := schemaError(err, hd.name)
			e.Field = hd.name
			if hd.name == "Retry-After" {
				e.Reason = "must be delay-seconds (a non-negative integer) or an HTTP-date (RFC 9110 section 10.2.3): send whole seconds, e.g. Retry-After: 2"
			}
			return e
		}
	}
	what := fmt.Sprintf("%d of %s", status, op.name)
	if resp.schema == nil {
		if len(bytes.TrimSpace(body)) != 0 {
			return &ValidationError{Field: "body", Reason: fmt.Sprintf("status %s has no body: send an empty body", what)}
		}
		return nil
	}
	return validateJSONBody(h, body, resp.media, resp.schema, resp.maxBytes, what)
}

func validateJSONBody(h http.Header, body []byte, media string, schema *openapi3.Schema, maxBytes []byteRule, what string) error {
	ct := h.Get("Content-Type")
	if !mediaMatches(ct, media) {
		reason := "is missing"
		if ct != "" {
			reason = "is not " + media
		}
		return &ValidationError{Field: "Content-Type", Reason: fmt.Sprintf("%s on status %s: answer with Content-Type %s", reason, what, media)}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &ValidationError{Field: "body", Reason: fmt.Sprintf("is empty on status %s: answer with a JSON body", what)}
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return &ValidationError{Field: "body", Reason: fmt.Sprintf("is not valid JSON on status %s: answer with a JSON body", what)}
	}
	if err := schema.VisitJSON(value, openapi3.VisitAsResponse()); err != nil {
		return schemaError(err, "body")
	}
	return checkMaxBytes(maxBytes, value)
}

// paramError translates a kin-openapi parameter error.
func paramError(p *openapi3.Parameter, err error) *ValidationError {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		e := schemaError(se, p.Name)
		e.Field = p.Name
		return e
	}
	where := p.In + " parameter"
	switch {
	case errors.Is(err, openapi3filter.ErrInvalidRequired) && p.In == openapi3.ParameterInPath:
		// The route matched, so the path segment is there but empty.
		return &ValidationError{Field: p.Name, Reason: fmt.Sprintf("must not be empty: put %s in the path", describe(p.Schema.Value))}
	case errors.Is(err, openapi3filter.ErrInvalidRequired):
		return &ValidationError{Field: p.Name, Reason: fmt.Sprintf("is required: add the %s %s (%s)", where, p.Name, describe(p.Schema.Value))}
	case errors.Is(err, openapi3filter.ErrInvalidEmptyValue):
		return &ValidationError{Field: p.Name, Reason: fmt.Sprintf("must not be empty: give the %s a value (%s)", where, describe(p.Schema.Value))}
	}
	var pe *openapi3filter.ParseError
	if errors.As(err, &pe) {
		return &ValidationError{Field: p.Name, Reason: fmt.Sprintf("cannot be parsed: send %s", describe(p.Schema.Value))}
	}
	return &ValidationError{Field: p.Name, Reason: fmt.Sprintf("is not valid: send %s", describe(p.Schema.Value))}
}

// schemaError translates a kin-openapi schema error into a ValidationError
// whose Field is the JSON path of the failing value (root when it is the
// whole document) and whose Reason is built from the schema only, never from
// the value.
func schemaError(err error, root string) *ValidationError {
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		var me openapi3.MultiError
		if errors.As(err, &me) && len(me) > 0 {
			return schemaError(me[0], root)
		}
		return &ValidationError{Field: root, Reason: "does not match the contract (api/openapi.yaml)"}
	}
	path := se.JSONPointer()
	field := fieldPath(path)
	if field == "" {
		field = root
	}
	s := se.Schema
	if s == nil {
		s = &openapi3.Schema{}
	}
	var reason string
	switch se.SchemaField {
	case "required":
		want := "a value"
		if len(path) > 0 {
			if p := s.Properties[path[len(path)-1]]; p != nil && p.Value != nil {
				want = describe(p.Value)
			}
		}
		reason = "is required: add it (" + want + ")"
	case "type":
		reason = fmt.Sprintf("must be %s, not %s: send %s", typeName(s), jsonType(se.Value), describe(s))
	case "minLength":
		if s.MinLength == 1 {
			reason = "must not be empty: send a non-empty string"
		} else {
			reason = fmt.Sprintf("must be at least %d characters: send %s", s.MinLength, describe(s))
		}
	case "maxLength":
		reason = fmt.Sprintf("is too long: send %s", describe(s))
	case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
		reason = fmt.Sprintf("is out of range: send %s", describe(s))
	case "enum":
		reason = fmt.Sprintf("is not an allowed value: send %s", describe(s))
	case "pattern":
		reason = fmt.Sprintf("does not have the required form: send a string matching %s", s.Pattern)
	case "minItems", "maxItems":
		reason = fmt.Sprintf("has the wrong number of items: send %s", describe(s))
	default:
		// kin-openapi's reasons never quote the value.
		reason = se.Reason + ": see api/openapi.yaml"
	}
	return &ValidationError{Field: field, Reason: reason}
}

// fieldPath renders a JSON pointer as a.b[0].c.
func fieldPath(path []string) string {
	var b strings.Builder
	for _, seg := range path {
		if _, err := strconv.Atoi(seg); err == nil {
			b.WriteString("[" + seg + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// describe says in words what a schema accepts.
func describe(s *openapi3.Schema) string {
	if s == nil {
		return "a value"
	}
	if len(s.Enum) > 0 {
		vals := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			vals[i] = fmt.Sprint(e)
		}
		return "one of " + strings.Join(vals, ", ")
	}
	t := typeName(s)
	switch {
	case s.Type.Is(openapi3.TypeString):
		switch {
		case s.MaxLength != nil && s.MinLength > 0:
			t = fmt.Sprintf("a string of %d to %d characters", s.MinLength, *s.MaxLength)
		case s.MaxLength != nil:
			t = fmt.Sprintf("a string of at most %d characters", *s.MaxLength)
		case s.MinLength == 1:
			t = "a non-empty string"
		}
		if x, ok := s.Extensions["x-max-bytes"]; ok {
			if n, ok := toInt(x); ok {
				t += fmt.Sprintf(" and at most %d bytes of UTF-8", n)
			}
		}
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		switch {
		case s.Min != nil && s.Max != nil:
			t = fmt.Sprintf("%s from %g to %g", t, *s.Min, *s.Max)
		case s.Min != nil:
			t = fmt.Sprintf("%s of at least %g", t, *s.Min)
		case s.Max != nil:
			t = fmt.Sprintf("%s of at most %g", t, *s.Max)
		}
	}
	return t
}

func typeName(s *openapi3.Schema) string {
	switch {
	case s.Type.Is(openapi3.TypeString):
		return "a string"
	case s.Type.Is(openapi3.TypeInteger):
		return "an integer"
	case s.Type.Is(openapi3.TypeNumber):
		return "a number"
	case s.Type.Is(openapi3.TypeBoolean):
		return "a boolean"
	case s.Type.Is(openapi3.TypeArray):
		return "an array"
	case s.Type.Is(openapi3.TypeObject):
		return "an object"
	}
	return "a value"
}

// jsonType names the JSON type of a decoded value (never the value itself).
func jsonType(v any) string {
	switch n := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		if n != float64(int64(n)) {
			return "a fractional number"
		}
		return "a number"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "another type"
}
