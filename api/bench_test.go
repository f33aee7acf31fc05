package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// The benchmarks measure the mock's hot path: one validation per request.
// The Baseline benchmarks are the least any validation must do (parse the
// query; decode the JSON body), so results can be read as ratios against a
// baseline measured in the same run.

const (
	benchGetURL = "http://127.0.0.1:8080/credentiallocker/v2/threadNetworks?extendedPanId=0123456789abcdef&networkName=home&maxResults=10"
	benchPut    = `{"threadNetwork":{"extendedPanId":"0123456789abcdef","networkName":"home","networkKey":"00112233445566778899aabbccddeeff","pskc":"00112233445566778899aabbccddeeff","panId":"1234","channelNumber":15,"defaultBorderAgentId":"agent-1"}}`
)

func BenchmarkBaselineQueryParse(b *testing.B) {
	r := httptest.NewRequest(http.MethodGet, benchGetURL, nil)
	b.ReportAllocs()
	for b.Loop() {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil || q.Get("extendedPanId") == "" {
			b.Fatal("bad query")
		}
	}
}

func BenchmarkBaselineJSONDecode(b *testing.B) {
	body := []byte(benchPut)
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateRequestGet(b *testing.B) {
	v := mustValidator(b)
	r := httptest.NewRequest(http.MethodGet, benchGetURL, nil)
	r.Header.Set("Authorization", "Bearer Atza|token")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := v.ValidateRequest(ctx, r, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateRequestPut(b *testing.B) {
	v := mustValidator(b)
	body := []byte(benchPut)
	r := httptest.NewRequest(http.MethodPut, "http://127.0.0.1:8080/credentiallocker/v2/threadNetworks", nil)
	r.Header.Set("Content-Type", "application/json")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := v.ValidateRequest(ctx, r, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateResponse(b *testing.B) {
	v := mustValidator(b)
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/credentiallocker/v2/threadNetworks?extendedPanId=0123456789abcdef", nil)
	h := http.Header{"Content-Type": {"application/json"}}
	body := []byte(`{"threadNetworks":[{"extendedPanId":"0123456789abcdef","networkName":"home","networkKey":"00112233445566778899aabbccddeeff","pskc":"00112233445566778899aabbccddeeff","panId":"1234","channelNumber":15}],"nextToken":"tok"}`)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := v.ValidateResponse(ctx, r, http.StatusOK, h, body); err != nil {
			b.Fatal(err)
		}
	}
}

func mustValidator(tb testing.TB) *Validator {
	tb.Helper()
	v, err := NewValidator()
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
