package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/alexa-harness/harness/api"
)

func TestContractCmd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		wantCode int // -1: success
		check    func(t *testing.T, out []byte)
	}{
		{nil, -1, func(t *testing.T, out []byte) {
			if !bytes.Equal(out, api.Document()) {
				t.Error("default output is not the embedded YAML")
			}
		}},
		{[]string{"--format", "yaml"}, -1, func(t *testing.T, out []byte) {
			if !bytes.Equal(out, api.Document()) {
				t.Error("--format yaml output is not the embedded YAML")
			}
		}},
		{[]string{"--format", "json"}, -1, func(t *testing.T, out []byte) {
			var doc struct {
				OpenAPI string         `json:"openapi"`
				Paths   map[string]any `json:"paths"`
			}
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if doc.OpenAPI != "3.0.3" || len(doc.Paths) != 3 {
				t.Errorf("openapi %q with %d paths", doc.OpenAPI, len(doc.Paths))
			}
		}},
		{[]string{"--format", "xml"}, ExitUsage, nil},
		{[]string{"extra"}, ExitUsage, nil},
	}
	for _, tt := range tests {
		code, out, errs := runHarness(t, nil, append([]string{"contract"}, tt.args...)...)
		if tt.wantCode < 0 {
			if code != ExitOK {
				t.Errorf("%v: exit %d: %s", tt.args, code, errs)
				continue
			}
			tt.check(t, []byte(out))
			continue
		}
		if code != tt.wantCode {
			t.Errorf("%v: exit code %d, want %d", tt.args, code, tt.wantCode)
		}
	}
}
