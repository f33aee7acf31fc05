package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
)

// FuzzValidateRequest feeds arbitrary paths, queries, content types and
// bodies to ValidateRequest: it must never panic, and every failure must be a
// *ValidationError with a field and a reason. The seed corpus runs with the
// ordinary tests.
func FuzzValidateRequest(f *testing.F) {
	v, err := NewValidator()
	if err != nil {
		f.Fatal(err)
	}
	seeds := []struct {
		method                uint8
		path, query, ct, body string
	}{
		{0, "/credentiallocker/v2/threadNetworks", "", "application/json", validPut},
		{0, "/credentiallocker/v2/threadNetworks", "", "", `{"threadNetwork":{"extendedPanId":1}}`},
		{0, "/credentiallocker/v2/threadNetworks", "", "application/json", `{"threadNetwork":{"extendedPanId":"a","networkName":"ééééééééé","networkKey":"k","channelNumber":1e300}}`},
		{1, "/credentiallocker/v2/threadNetworks", "extendedPanId=x&maxResults=5", "", ""},
		{1, "/credentiallocker/v2/threadNetworks", "extendedPanId=x&maxResults=9999999999999999999999", "", ""},
		{1, "/credentiallocker/v2/threadNetworks", "extendedPanId=%zz;a=b", "", ""},
		{1, "/v1/skills/amzn1.ask.skill.1/credentials", "", "", ""},
		{1, "/v1/skills//credentials", "", "", ""},
		{2, "/auth/O2/token", "", "application/x-www-form-urlencoded", "grant_type=refresh_token&client_id=c&client_secret=s&refresh_token=Atzr|x"},
		{2, "/auth/o2/token", "", "", "grant_type=client_credentials&scope=&scope=x"},
		{2, "/auth/o2/token", "", "multipart/form-data; boundary=x", "--x--"},
		{3, "/nope", "", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, s.ct, []byte(s.body))
	}
	methods := []string{http.MethodPut, http.MethodGet, http.MethodPost, http.MethodDelete}
	f.Fuzz(func(t *testing.T, m uint8, path, query, ct string, body []byte) {
		r := &http.Request{
			Method: methods[int(m)%len(methods)],
			URL:    &url.URL{Path: path, RawQuery: query},
			Header: http.Header{},
		}
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		err := v.ValidateRequest(context.Background(), r, body)
		if err == nil {
			return
		}
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("error %T is not a *ValidationError: %v", err, err)
		}
		if ve.Field == "" || ve.Reason == "" {
			t.Fatalf("empty field or reason: %#v", ve)
		}
	})
}
