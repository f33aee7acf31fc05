package mock

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/alexa-harness/harness/internal/contract"
)

// The handler benchmarks run the Server in process with a recorder (no
// socket), so they measure the mock's own cost per request; bench/mock.sh
// measures it over loopback against a bare net/http handler.

type benchEnv struct {
	s     *Server
	cust  string
	query string
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	e := &benchEnv{s: s, query: "extendedPanId=bench.pan&maxResults=10"}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, contract.TokenPath, bytes.NewReader(form("grant_type", "refresh_token",
		"client_id", contract.MockLWAClientID, "client_secret", contract.MockLWAClientSecret, "refresh_token", contract.MockCustomerARefresh)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	s.ServeHTTP(rec, req)
	var m struct {
		AccessToken string `json:"access_token"`
	}
	if err := jsonUnmarshal(rec.Body.Bytes(), &m); err != nil || m.AccessToken == "" {
		b.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	e.cust = m.AccessToken
	for i := range 3 {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPut, contract.ThreadNetworksPath, bytes.NewReader(createBodyJSON("bench.pan", fmt.Sprintf("net-%d", i), "00112233445566778899aabbccddeeff")))
		req.Header.Set("Authorization", "Bearer "+e.cust)
		req.Header.Set("Content-Type", "application/json")
		s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("seed: %d", rec.Code)
		}
	}
	return e
}

// discardWriter is a minimal ResponseWriter, cheaper than a recorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(code int)        { d.code = code }

func (e *benchEnv) getRequest() *http.Request {
	req := httptest.NewRequest(http.MethodGet, contract.ThreadNetworksPath+"?"+e.query, nil)
	req.Header.Set("Authorization", "Bearer "+e.cust)
	return req
}

func BenchmarkGetThreadNetworks(b *testing.B) {
	e := newBenchEnv(b)
	req := e.getRequest()
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		e.s.ServeHTTP(w, req)
		if w.code != 200 {
			b.Fatalf("status %d", w.code)
		}
	}
}

func BenchmarkGetThreadNetworksParallel(b *testing.B) {
	e := newBenchEnv(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := e.getRequest()
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			e.s.ServeHTTP(w, req)
			if w.code != 200 {
				b.Errorf("status %d", w.code)
				return
			}
		}
	})
}

// BenchmarkBareHandler is the baseline: a handler that writes the same bytes.
func BenchmarkBareHandler(b *testing.B) {
	e := newBenchEnv(b)
	req := e.getRequest()
	rec := httptest.NewRecorder()
	e.s.ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

func BenchmarkCreate(b *testing.B) {
	e := newBenchEnv(b)
	bodies := make([][]byte, 1024)
	for i := range bodies {
		bodies[i] = createBodyJSON("create.pan", fmt.Sprintf("n-%d", i), "00112233445566778899aabbccddeeff")
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%len(bodies) == 0 {
			b.StopTimer()
			e.s.Reset()
			b.StartTimer()
		}
		req := httptest.NewRequest(http.MethodPut, contract.ThreadNetworksPath, bytes.NewReader(bodies[i%len(bodies)]))
		req.Header.Set("Authorization", "Bearer "+e.cust)
		req.Header.Set("Content-Type", "application/json")
		w := &discardWriter{h: http.Header{}}
		e.s.ServeHTTP(w, req)
		if w.code != 200 {
			b.Fatalf("status %d", w.code)
		}
		i++
	}
}

func BenchmarkToken(b *testing.B) {
	e := newBenchEnv(b)
	body := form("grant_type", "refresh_token", "client_id", contract.MockLWAClientID,
		"client_secret", contract.MockLWAClientSecret, "refresh_token", contract.MockCustomerARefresh)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, contract.TokenPath, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := &discardWriter{h: http.Header{}}
		e.s.ServeHTTP(w, req)
		if w.code != 200 {
			b.Fatalf("status %d", w.code)
		}
	}
}

func BenchmarkTokenParallel(b *testing.B) {
	e := newBenchEnv(b)
	body := form("grant_type", "refresh_token", "client_id", contract.MockLWAClientID,
		"client_secret", contract.MockLWAClientSecret, "refresh_token", contract.MockCustomerARefresh)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, contract.TokenPath, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := &discardWriter{h: http.Header{}}
			e.s.ServeHTTP(w, req)
			if w.code != 200 {
				b.Errorf("status %d", w.code)
				return
			}
		}
	})
}

// BenchmarkGetThreadNetworksLoopback goes through a real socket, with the
// same client for the mock and for a bare handler returning the same bytes.
func BenchmarkGetThreadNetworksLoopback(b *testing.B) {
	e := newBenchEnv(b)
	req := e.getRequest()
	rec := httptest.NewRecorder()
	e.s.ServeHTTP(rec, req)
	body := bytes.Clone(rec.Body.Bytes())
	bare := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{{"mock", e.s}, {"bare", bare}} {
		b.Run(tc.name, func(b *testing.B) {
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			u, _ := url.Parse(srv.URL + contract.ThreadNetworksPath + "?" + e.query)
			hc := srv.Client()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r, _ := http.NewRequest(http.MethodGet, u.String(), nil)
					r.Header.Set("Authorization", "Bearer "+e.cust)
					res, err := hc.Do(r)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
			})
		})
	}
}
