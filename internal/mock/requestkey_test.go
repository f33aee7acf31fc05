package mock

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"

	"github.com/alexa-harness/harness/internal/contract"
)

// TestRequestKeyMatchesContract is a property test: for random requests, as
// a server reads them off the wire, the mock's pooled fast key equals
// contract.RequestKey of (method, request URI, body), the key the clients'
// attempt log records, so that the two views of a request join.
func TestRequestKeyMatchesContract(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 8))
	methods := []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, "PATCH"}
	paths := []string{contract.ThreadNetworksPath, contract.TokenPath, "/v1/skills/amzn1.ask.skill.x/credentials", "/", "/a%2Fb/c"}
	const chars = "abcXYZ019-._~%20&=+?/é\x00\xff"
	randString := func(n int) string {
		b := make([]byte, 0, n)
		for range n {
			b = append(b, chars[rng.IntN(len(chars))])
		}
		return string(b)
	}
	for i := range 2000 {
		method := methods[rng.IntN(len(methods))]
		uri := paths[rng.IntN(len(paths))]
		if rng.IntN(2) == 0 {
			uri += fmt.Sprintf("?maxResults=%d&q=%s", rng.IntN(200), randString(rng.IntN(8)))
		}
		body := make([]byte, rng.IntN(300))
		for j := range body {
			body[j] = byte(rng.UintN(256))
		}
		if i%4 == 0 {
			body = nil
		}
		raw := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n", method, uri, len(body))
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(append([]byte(raw), body...))))
		if err != nil {
			continue // not a request a server would read either
		}
		want := contract.RequestKey(method, r.URL.RequestURI(), body)
		if got := s.requestKey(r, body); got != want {
			t.Fatalf("%s %q (%d-byte body): mock key %s, contract.RequestKey %s", method, uri, len(body), got, want)
		}
	}
	// Absolute-form request lines fall back to the URL's request URI.
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader([]byte("GET http://127.0.0.1:1" + contract.ThreadNetworksPath + "?a=1 HTTP/1.1\r\nHost: x\r\n\r\n"))))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.requestKey(r, nil), contract.RequestKey(http.MethodGet, contract.ThreadNetworksPath+"?a=1", nil); got != want {
		t.Errorf("absolute form: mock key %s, want %s", got, want)
	}
}
