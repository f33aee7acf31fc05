package clients_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
)

// BenchmarkTransport compares one request through a bare http.Transport (the
// baseline) with the same request through clients.Transport (token
// injection, request key, attempt report). Compare ns/op and allocs/op
// between the sub-benchmarks of one run:
//
//	go test -run '^$' -bench Transport -benchmem -benchtime 2s ./internal/clients/
func BenchmarkTransport(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	base := clients.DefaultRoundTripper().(*http.Transport)
	defer base.CloseIdleConnections()
	body := `{"threadNetwork":{"extendedPanId":"0123456789abcdef","networkName":"home","networkKey":"00112233445566778899aabbccddeeff"}}`
	url := srv.URL + contract.ThreadNetworksPath
	run := func(b *testing.B, rt http.RoundTripper, auth bool) {
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
			if auth {
				req.Header.Set("Authorization", "Bearer Atza|token")
			}
			resp, err := rt.RoundTrip(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	b.Run("baseline", func(b *testing.B) { run(b, base, true) })
	b.Run("transport", func(b *testing.B) {
		run(b, clients.NewTransport(base, clients.WithTokenProvider(clients.StaticToken("Atza|token"))), false)
	})
	b.Run("transport+observer", func(b *testing.B) {
		obs := clients.ObserverFunc(func(clients.Attempt) {})
		run(b, clients.NewTransport(base, clients.WithTokenProvider(clients.StaticToken("Atza|token")), clients.WithObserver(obs)), false)
	})
}
