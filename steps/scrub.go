package steps

import (
	"context"
	"errors"
	"reflect"

	"github.com/alexa-harness/harness/internal/redact"
)

// scrubbed returns fn wrapped so that its error message is scrubbed of the
// scenario's secrets before godog sees it: a server under test is untrusted
// and may echo a bearer token or a client secret in an error message, which
// would otherwise reach the console, cucumber.json, junit.xml and
// conform.json. fn must take the scenario's context.Context first and return
// an error last, as every step of the suite does.
//
// Register passes the result to sc.Step itself, on the line that defines
// the step: godog records the line that called sc.Step as the step's
// definition, which --format pretty prints (a helper calling sc.Step would
// make every step point at the helper).
func scrubbed(fn any) any {
	v := reflect.ValueOf(fn)
	t := v.Type()
	errType := reflect.TypeOf((*error)(nil)).Elem()
	ctxType := reflect.TypeOf((*context.Context)(nil)).Elem()
	if t.Kind() != reflect.Func || t.NumIn() == 0 || t.In(0) != ctxType || t.NumOut() == 0 || t.Out(t.NumOut()-1) != errType {
		panic("steps: a step must take a context.Context first and return an error last: " + t.String())
	}
	return reflect.MakeFunc(t, func(args []reflect.Value) []reflect.Value {
		out := v.Call(args)
		last := len(out) - 1
		if out[last].IsNil() {
			return out
		}
		err := out[last].Interface().(error)
		ctx, _ := args[0].Interface().(context.Context)
		if w := worldFrom(ctx); w != nil {
			if s := w.scrubErr(err); s != nil {
				out[last] = reflect.ValueOf(&s).Elem()
			}
		}
		return out
	}).Interface()
}

// scrubErr returns err with a scrubbed message (nil when nothing changed).
func (w *world) scrubErr(err error) error {
	var se *skipError
	if errors.As(err, &se) {
		return nil
	}
	// redact.ScrubError still unwraps to err for errors.Is/As in-process.
	if s := redact.ScrubError(err, w.knownSecrets()...); s.Error() != err.Error() {
		return s
	}
	return nil
}

// knownSecrets lists the secrets the scenario knows: the LWA client secret,
// every identity's refresh token, the access tokens it held, sent or was
// given.
func (w *world) knownSecrets() []string {
	var out []string
	for _, s := range []redact.Secret{w.cfg.ClientSecret, w.cfg.AccessToken, w.cfg.CustomerRefreshToken,
		w.cfg.CustomerBRefreshToken, w.cfg.NoScopeRefreshToken, w.cfg.VendorRefreshToken, w.cfg.OtherVendorRefreshToken} {
		if s != "" {
			out = append(out, s.Reveal())
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.held != "" {
		out = append(out, w.held)
	}
	if w.secret != "" {
		out = append(out, w.secret)
	}
	for s := range w.seen {
		out = append(out, s)
	}
	return out
}

// scrub masks in s (text a server supplied) every secret the scenario
// knows and anything that looks like an LWA token.
func (w *world) scrub(s string) string {
	return redact.Scrub(s, w.knownSecrets()...)
}

// noteSecret remembers a token the scenario sent or received, so that a
// server echoing it is caught by scrub.
func (w *world) noteSecret(s string) {
	if len(s) < 4 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	w.seen[s] = true
}
