package steps

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/alexa-harness/harness/api"
	"github.com/alexa-harness/harness/internal/contract"
)

// maxAnswer bounds the answers the suite reads.
const maxAnswer = 16 << 20

// validating is the RoundTripper under every client of the suite: it reads
// each answer, checks it against the OpenAPI document, and hands it to the
// scenario whose context sent the request (the world records both the answer
// and any departure from the contract). Outside a scenario a departure is
// returned as an error.
type validating struct {
	next  http.RoundTripper
	v     *api.Validator
	token bool // carries a token source's requests (recorded apart)
}

func (t *validating) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	resp.Body.Close()
	if rerr != nil {
		return nil, fmt.Errorf("%s %s: read answer: %w", req.Method, req.URL.Path, rerr)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	var verr error
	if t.v != nil {
		verr = t.v.ValidateResponse(req.Context(), req, resp.StatusCode, resp.Header, body)
	}
	w := worldFrom(req.Context())
	if w == nil {
		if verr != nil {
			return nil, fmt.Errorf("%s %s answered %d off the contract: %w", req.Method, req.URL.Path, resp.StatusCode, verr)
		}
		return resp, nil
	}
	if a := req.Header.Get("Authorization"); a != "" {
		w.noteSecret(strings.TrimSpace(strings.TrimPrefix(a, "Bearer ")))
	}
	if t.token || strings.HasSuffix(req.URL.Path, contract.TokenPath) {
		var tok struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		if json.Unmarshal(body, &tok) == nil {
			w.noteSecret(tok.AccessToken)
			w.noteSecret(tok.RefreshToken)
		}
	}
	w.record(exchange{
		method: req.Method, path: req.URL.Path, status: resp.StatusCode,
		header: resp.Header.Clone(), body: body, token: t.token,
	}, verr)
	return resp, nil
}

// describeViolation words a validation failure without quoting any value.
func describeViolation(method, path string, status int, err error) string {
	var ve *api.ValidationError
	if errors.As(err, &ve) {
		return fmt.Sprintf("%s %s answered %d off the contract (api/openapi.yaml): %s", method, path, status, ve.Error())
	}
	return fmt.Sprintf("%s %s answered %d off the contract (api/openapi.yaml): %v", method, path, status, err)
}
