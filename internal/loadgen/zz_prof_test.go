package loadgen

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestZZProfile(t *testing.T) {
	url := os.Getenv("ZZ_MOCK")
	if url == "" {
		t.Skip()
	}
	p, err := ParseProfile("x.yaml", []byte(`
target: env
duration: 6s
pacer: {type: max, workers: 64}
mix: {get: 1}
data: {preload: 0}
clients: {count: 1}
thresholds: {backoff: off}
`))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HARNESS_LOCKER_URL": url, "HARNESS_SMAPI_URL": url, "HARNESS_LWA_URL": url,
		"HARNESS_LWA_CLIENT_ID": "amzn1.application-oa2-client.harness", "HARNESS_LWA_CLIENT_SECRET": "harness-client-secret",
		"HARNESS_CUSTOMER_REFRESH_TOKEN": "Atzr|harness-customer-a"}
	s, err := Run(context.Background(), Options{Profile: p, OutDir: t.TempDir(), Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%.0f req/s", float64(s.All.Successes)/s.Elapsed.Seconds())
	_ = time.Second
}
