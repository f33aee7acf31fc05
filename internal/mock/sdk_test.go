package mock

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/contract"
)

// TestAmazonSMAPISDK runs Amazon's own SMAPI SDK (npm ask-smapi-sdk) against
// the mock: its refresh-token flow posts to /auth/O2/token with form values
// it does not URL-encode, then GETs the skill credentials with no
// Content-Type or Accept. It is skipped with -short, without node and npm,
// or when npm cannot install the SDK (no network).
func TestAmazonSMAPISDK(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the npm install of ask-smapi-sdk")
	}
	node, errNode := exec.LookPath("node")
	npm, errNpm := exec.LookPath("npm")
	if errNode != nil || errNpm != nil {
		t.Skip("node or npm not on PATH")
	}
	dir := t.TempDir()
	for _, f := range []string{"package.json", "getcreds.js"} {
		b, err := os.ReadFile(filepath.Join("testdata", "sdk", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	install := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--loglevel=error")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Skipf("npm install ask-smapi-sdk failed (offline?): %v\n%s", err, out)
	}

	e := start(t, Config{Now: time.Now}) // the SDK checks expiry against the wall clock
	run := func(refresh string, skills ...string) []map[string]any {
		args := append([]string{"getcreds.js", e.url, contract.MockLWAClientID, contract.MockLWAClientSecret, refresh}, skills...)
		cmd := exec.CommandContext(ctx, node, args...)
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("node getcreds.js: %v\n%s", err, stderr.String())
		}
		var res []map[string]any
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("SDK output %q: %v", sc.Text(), err)
			}
			res = append(res, m)
		}
		if len(res) != len(skills) {
			t.Fatalf("SDK printed %d results for %d calls: %s", len(res), len(skills), out)
		}
		return res
	}

	res := run(contract.MockVendorRefreshToken, contract.MockSkillID, "amzn1.ask.skill.unknown")
	creds, _ := res[0]["body"].(map[string]any)["skillMessagingCredentials"].(map[string]any)
	if res[0]["ok"] != true || creds["clientId"] != contract.MockSkillClientID || creds["clientSecret"] != contract.MockSkillClientSecret {
		t.Fatalf("getSkillCredentialsV1: %v", res[0])
	}
	if res[1]["ok"] != false || res[1]["statusCode"] != float64(404) {
		t.Fatalf("unknown skill through the SDK: %v", res[1])
	}
	if res := run(contract.MockOtherVendorRefresh, contract.MockSkillID); res[0]["statusCode"] != float64(403) {
		t.Fatalf("other vendor through the SDK: %v", res[0])
	}
	js := e.run.Server.Journal()
	if len(js) < 4 || js[0].Path != "/auth/O2/token" || js[0].Status != 200 || js[1].Operation != contract.OpGetSkillCredentials || js[1].Status != 200 {
		t.Fatalf("journal of the SDK run: %+v", js)
	}
}
