package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"sort"
	"strings"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/redact"
)

func (w *world) stepStatus(_ context.Context, want int) error {
	x, err := w.lastExchange()
	if err != nil {
		return err
	}
	if x.status != want {
		return fmt.Errorf("%s %s answered %d, the contract says %d%s", x.method, shortPath(x.path), x.status, want, w.errDetail())
	}
	// A 2xx the client could not use (a missing or mistyped field) is not
	// a success.
	var de *clients.DecodeError
	if want < 300 && errors.As(w.callErr, &de) {
		return fmt.Errorf("%s %s answered %d but the answer is unusable: %v", x.method, shortPath(x.path), x.status, de)
	}
	return nil
}

// errDetail adds the service's error code and message from the last
// answer, scrubbed: the server is untrusted (real mode) and may echo a
// token or the client secret.
func (w *world) errDetail() string {
	x, err := w.lastExchange()
	if err != nil || !isJSON(x.header.Get("Content-Type")) {
		return ""
	}
	var b struct {
		Code             string `json:"code"`
		Message          string `json:"message"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(x.body, &b) != nil {
		return ""
	}
	code, msg := b.Code, b.Message
	if b.Error != "" {
		code, msg = b.Error, b.ErrorDescription
	}
	if code == "" && msg == "" {
		return ""
	}
	code, msg = w.scrub(code), w.scrub(msg)
	if r := []rune(msg); len(r) > 200 {
		msg = string(r[:200]) + "…"
	}
	return fmt.Sprintf(" (%s: %s)", code, msg)
}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func (w *world) stepNoBody(context.Context) error {
	x, err := w.lastExchange()
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(x.body)) != 0 {
		return fmt.Errorf("%s %s answered %d with a %d-byte body; the contract says no body", x.method, shortPath(x.path), x.status, len(x.body))
	}
	return nil
}

func (w *world) stepJSONError(context.Context) error {
	x, err := w.lastExchange()
	if err != nil {
		return err
	}
	if !isJSON(x.header.Get("Content-Type")) {
		return fmt.Errorf("%s %s answered %d with Content-Type %q; errors must be application/json", x.method, shortPath(x.path), x.status, x.header.Get("Content-Type"))
	}
	var body struct {
		Message *string `json:"message"`
	}
	if err := json.Unmarshal(x.body, &body); err != nil {
		return fmt.Errorf("%s %s answered %d with a body that is not a JSON object", x.method, shortPath(x.path), x.status)
	}
	if body.Message == nil || strings.TrimSpace(*body.Message) == "" {
		return fmt.Errorf(`%s %s answered %d with no non-empty "message"`, x.method, shortPath(x.path), x.status)
	}
	return nil
}

func (w *world) stepOAuthError(_ context.Context, code string) error {
	x, err := w.lastExchange()
	if err != nil {
		return err
	}
	var body struct {
		Error string `json:"error"`
	}
	if !isJSON(x.header.Get("Content-Type")) || json.Unmarshal(x.body, &body) != nil {
		return fmt.Errorf("%s %s answered %d without a JSON OAuth error", x.method, shortPath(x.path), x.status)
	}
	if body.Error != code {
		return fmt.Errorf(`%s %s answered "error": %q, the contract says %q`, x.method, shortPath(x.path), body.Error, code)
	}
	return nil
}

func (w *world) stepBearerToken(_ context.Context, expires int) error {
	x, err := w.lastExchange()
	if err != nil {
		return err
	}
	var body struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    *int64 `json:"expires_in"`
	}
	if err := json.Unmarshal(x.body, &body); err != nil {
		return fmt.Errorf("the token answer is not a JSON object")
	}
	var problems []string
	if body.AccessToken == "" {
		problems = append(problems, "no access_token")
	}
	if !strings.EqualFold(body.TokenType, "bearer") {
		problems = append(problems, fmt.Sprintf("token_type %q, not bearer", body.TokenType))
	}
	if body.ExpiresIn == nil || *body.ExpiresIn != int64(expires) {
		got := "none"
		if body.ExpiresIn != nil {
			got = fmt.Sprint(*body.ExpiresIn)
		}
		problems = append(problems, fmt.Sprintf("expires_in %s, not %d", got, expires))
	}
	if len(problems) > 0 {
		return fmt.Errorf("token answer: %s", strings.Join(problems, "; "))
	}
	return nil
}

// compareNetwork lists the fields of got that differ from want, naming
// secret fields without showing them.
func compareNetwork(want, got clients.ThreadNetwork) []string {
	var d []string
	str := func(field, a, b string) {
		if a != b {
			d = append(d, fmt.Sprintf("%s is %q, created as %q", field, b, a))
		}
	}
	sec := func(field string, a, b redact.Secret) {
		if a != b {
			d = append(d, fmt.Sprintf("%s differs from the one created (%s vs %s)", field, b, a))
		}
	}
	str("extendedPanId", want.ExtendedPanID, got.ExtendedPanID)
	str("networkName", want.NetworkName, got.NetworkName)
	sec("networkKey", want.NetworkKey, got.NetworkKey)
	sec("pskc", want.PSKc, got.PSKc)
	str("panId", want.PanID, got.PanID)
	if want.ChannelNumber != got.ChannelNumber {
		d = append(d, fmt.Sprintf("channelNumber is %d, created as %d", got.ChannelNumber, want.ChannelNumber))
	}
	str("defaultBorderAgentId", want.DefaultBorderAgentID, got.DefaultBorderAgentID)
	return d
}

func netKey(n clients.ThreadNetwork) string { return n.ExtendedPanID + "\x00" + n.NetworkName }

// matchExactly checks that got holds each of want once, field for field,
// and nothing else.
func matchExactly(want, got []clients.ThreadNetwork) error {
	byKey := map[string]clients.ThreadNetwork{}
	for _, n := range want {
		byKey[netKey(n)] = n
	}
	seen := map[string]int{}
	var problems []string
	for _, n := range got {
		k := netKey(n)
		seen[k]++
		w, ok := byKey[k]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("unexpected network %q (not created by the caller in this scenario)", n.NetworkName))
		case seen[k] == 2:
			problems = append(problems, fmt.Sprintf("network %q listed more than once", n.NetworkName))
		case seen[k] == 1:
			for _, d := range compareNetwork(w, n) {
				problems = append(problems, fmt.Sprintf("network %q: %s", n.NetworkName, d))
			}
		}
	}
	var missing []string
	for k, n := range byKey {
		if seen[k] == 0 {
			missing = append(missing, n.NetworkName)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("missing %d of %d networks: %s", len(missing), len(want), strings.Join(missing, ", ")))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// listAll reads every network of q as identity name, following nextToken.
func (w *world) listAll(ctx context.Context, name string, q clients.NetworkQuery) ([]clients.ThreadNetwork, error) {
	l, err := w.locker(name)
	if err != nil {
		return nil, w.end(err, true)
	}
	w.begin(contract.OpGetThreadNetworks)
	all, err := l.All(ctx, q)
	if err := w.end(err, true); err != nil {
		return nil, err
	}
	return all, nil
}

func (w *world) stepListedAsCreated(ctx context.Context) error {
	n := w.lastNet
	if n.NetworkName == "" {
		return errors.New("no network was created")
	}
	all, err := w.listAll(ctx, w.caller, clients.NetworkQuery{ExtendedPanID: n.ExtendedPanID, NetworkName: n.NetworkName})
	if err != nil {
		return err
	}
	return matchExactly([]clients.ThreadNetwork{n}, all)
}

func (w *world) stepCallerHasExactly(ctx context.Context, count int) error {
	all, err := w.listAll(ctx, w.caller, clients.NetworkQuery{ExtendedPanID: w.epid})
	if err != nil {
		return err
	}
	if len(all) != count {
		return fmt.Errorf("%d networks listed for the extendedPanId, want %d", len(all), count)
	}
	return matchExactly(w.created[w.caller], all)
}

func (w *world) stepListHoldsCreated(context.Context) error {
	return matchExactly(w.created[w.caller], w.listed)
}

func (w *world) stepListHoldsNamed(_ context.Context, name string) error {
	var want []clients.ThreadNetwork
	for _, n := range w.created[w.caller] {
		if n.NetworkName == name {
			want = append(want, n)
		}
	}
	return matchExactly(want, w.listed)
}

func (w *world) stepListEmpty(context.Context) error {
	if w.callErr != nil {
		return w.callErr
	}
	if len(w.listed) != 0 {
		return fmt.Errorf("%d networks listed, want none: this caller must not see them", len(w.listed))
	}
	return nil
}

func (w *world) stepNoNextToken(context.Context) error {
	if w.callErr != nil {
		return w.callErr
	}
	if len(w.pages) == 0 {
		return errors.New("no page was read")
	}
	if w.pages[len(w.pages)-1].NextToken != "" {
		return errors.New("the last page carries a nextToken although no network is left")
	}
	return nil
}

func (w *world) stepPageHolds(_ context.Context, n int) error {
	if w.callErr != nil {
		return w.callErr
	}
	if len(w.page.Networks) != n || w.page.NextToken == "" {
		return fmt.Errorf("the page holds %d networks (nextToken present: %t), want %d and a nextToken",
			len(w.page.Networks), w.page.NextToken != "", n)
	}
	return nil
}

func (w *world) stepEveryPageAtMost(_ context.Context, n int) error {
	for i, p := range w.pages {
		if len(p.Networks) > n {
			return fmt.Errorf("page %d holds %d networks, more than maxResults=%d", i+1, len(p.Networks), n)
		}
	}
	return nil
}

func (w *world) stepPageCount(_ context.Context, n int) error {
	if len(w.pages) != n {
		return fmt.Errorf("%d pages, want %d", len(w.pages), n)
	}
	return nil
}

func (w *world) stepPagesHoldEach(_ context.Context, n int) error {
	if len(w.created[w.caller]) != n {
		return fmt.Errorf("the scenario created %d networks, not %d", len(w.created[w.caller]), n)
	}
	return matchExactly(w.created[w.caller], w.listed)
}

func (w *world) stepSeesOnlyOwn(ctx context.Context, who string) error {
	name := CustomerA
	if who == "B" {
		name = CustomerB
	}
	all, err := w.listAll(ctx, name, clients.NetworkQuery{ExtendedPanID: w.epid})
	if err != nil {
		return err
	}
	return matchExactly(w.created[name], all)
}

func (w *world) stepCredentialsPresent(context.Context) error {
	if w.callErr != nil {
		return w.callErr
	}
	if w.creds.ClientID == "" || w.creds.ClientSecret == "" {
		return fmt.Errorf("clientId present: %t, clientSecret present: %t; both are required", w.creds.ClientID != "", w.creds.ClientSecret != "")
	}
	return nil
}

func (w *world) stepWellKnownCredentials(context.Context) error {
	if err := w.stepCredentialsPresent(context.Background()); err != nil {
		return err
	}
	if w.creds.ClientID != contract.MockSkillClientID || w.creds.ClientSecret.Reveal() != contract.MockSkillClientSecret {
		return fmt.Errorf("credentials are %s / %s, not the mock's well-known %s / %s", w.creds.ClientID, w.creds.ClientSecret,
			contract.MockSkillClientID, redact.String(contract.MockSkillClientSecret))
	}
	return nil
}

func (w *world) stepNoSecretLeak(ctx context.Context) error {
	x, err := w.lastExchange()
	if err != nil {
		return err
	}
	answer := bytes.Clone(x.body)
	secret := ""
	if !w.t.Real {
		secret = contract.MockSkillClientSecret
	} else {
		// Learn the secret as its vendor, then look for it in the answer.
		if !w.t.HasIdentity(Vendor) {
			return w.skip(missingIdentity(Vendor))
		}
		caller := w.caller
		w.caller = Vendor
		err := w.stepGetCredentials(ctx)
		w.caller = caller
		if err != nil {
			return err
		}
		if w.callErr != nil {
			return fmt.Errorf("the vendor could not read the credentials to compare: %w", w.callErr)
		}
		secret = w.creds.ClientSecret.Reveal()
	}
	if secret != "" && bytes.Contains(answer, []byte(secret)) {
		return fmt.Errorf("the answer to another vendor (%d) contains the skill's client secret", x.status)
	}
	return nil
}

// callAttempts returns the attempts of the last call.
func (w *world) callAttempts() []clients.Attempt {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []clients.Attempt
	for _, a := range w.attempts {
		if a.Operation == w.op {
			out = append(out, a)
		}
	}
	return out
}

func describeAttempts(as []clients.Attempt) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = fmt.Sprintf("#%d→%d", a.Number, a.Status)
	}
	return strings.Join(parts, " ")
}

func (w *world) stepAttemptsNewToken(_ context.Context, n int) error {
	as := w.callAttempts()
	if len(as) != n {
		return fmt.Errorf("the client made %d attempts (%s), want %d", len(as), describeAttempts(as), n)
	}
	if n < 2 || !as[0].Reauth || as[1].Client == as[0].Client {
		return fmt.Errorf("the second attempt did not use a new access token (reauth %t, same client %t)", as[0].Reauth, as[1].Client == as[0].Client)
	}
	return nil
}
