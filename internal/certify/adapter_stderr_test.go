package certify

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/redact"
)

// TestAdapterStderr checks what the harness keeps of an adapter's stderr,
// with the team adapter (built once for both): every encoded form of a
// secret masked, and the stderr of a call in flight when the run is
// interrupted kept.
func TestAdapterStderr(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin, err := buildTeamAdapter(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("encoded secrets masked", func(t *testing.T) {
		t.Parallel()
		encodedSecretsMasked(t, bin)
	})
	t.Run("interrupted call keeps its stderr", func(t *testing.T) {
		t.Parallel()
		interruptedCallKeepsStderr(t, bin, dir)
	})
}

// encodedSecretsMasked certifies the team adapter's variant that logs
// on stderr the LWA client-auth header (Authorization: Basic
// base64(clientId:secret)) and every base64 form of the secrets it was
// given, then searches every file written under --out and the console
// output for every base64 form (standard and URL-safe, padded and not) of
// the mock's well-known secrets, of "clientId:secret" and of every secret
// the run knew: none may appear, while the masked lines must be there (so
// the search is not vacuous).
func encodedSecretsMasked(t *testing.T, bin string) {
	a, env := teamAdapter(bin, "logs-encoded-secrets")
	out := t.TempDir()
	var console bytes.Buffer
	res, err := Run(context.Background(), Options{Adapter: a, Env: env, Tags: "@op:skill-credentials && @status:200",
		OutDir: out, Format: "pretty", Output: &console})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteCertificate(out, res); err != nil {
		t.Fatal(err)
	}
	if p, f, _ := res.Counts(); p == 0 || f != 0 {
		t.Fatalf("%d passed, %d failed: the adapter must run and pass the scenario (%s)", p, f, res.Verdict())
	}

	secrets := []string{contract.MockLWAClientSecret, contract.MockLWAClientID + ":" + contract.MockLWAClientSecret,
		contract.MockVendorRefreshToken, contract.MockOtherVendorRefresh, contract.MockCustomerARefresh,
		contract.MockCustomerBRefresh, contract.MockCustomerNoScopeRefresh, contract.MockSkillClientSecret}
	secrets = append(secrets, res.secrets...)
	type form struct{ name, text string }
	var forms []form
	for _, s := range secrets {
		forms = append(forms, form{"clear " + redact.String(s), s})
		for _, e := range []struct {
			name string
			enc  *base64.Encoding
		}{{"std", base64.StdEncoding}, {"std unpadded", base64.RawStdEncoding},
			{"url-safe", base64.URLEncoding}, {"url-safe unpadded", base64.RawURLEncoding}} {
			forms = append(forms, form{e.name + " base64 of " + redact.String(s), e.enc.EncodeToString([]byte(s))})
		}
	}

	artifacts := map[string]string{"console output": console.String()}
	err = filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		artifacts[path] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(artifacts) < len(Files())+1 {
		t.Fatalf("only %d artifacts found under %s: want the %d certificate files and the console", len(artifacts), out, len(Files()))
	}
	for name, text := range artifacts {
		for _, f := range forms {
			if strings.Contains(text, f.text) {
				t.Errorf("%s shows the %s", name, f.name)
			}
		}
	}

	// The adapter did log them: the header and one line per encoding of
	// the client secret, of clientId:secret and of each token, masked.
	log := artifacts[filepath.Join(out, StderrFile)]
	if !strings.Contains(log, "Authorization: Basic "+redact.Mask) {
		t.Errorf("%s lacks the masked Basic header:\n%s", StderrFile, log)
	}
	lines := 0
	for _, l := range strings.Split(log, "\n") {
		if v, ok := strings.CutPrefix(l, "credential "); ok {
			lines++
			if !strings.HasPrefix(v, redact.Mask) || len(v) != len(redact.String("x")) {
				t.Errorf("%s: %q is not masked whole", StderrFile, l)
			}
		}
	}
	if want := 4 * 3; lines < want { // the secret, id:secret and at least the vendor's refresh token
		t.Errorf("%s has %d logged credentials, want at least %d:\n%s", StderrFile, lines, want, log)
	}
}

// interruptedCallKeepsStderr interrupts a certification while an
// adapter call is in flight (the team adapter's logs-then-hangs variant
// logs a line, says so through a FIFO, then hangs): the stderr it wrote
// before the interruption must be in stderr.txt and in the call's record,
// secrets masked, and the call must say it was killed.
func interruptedCallKeepsStderr(t *testing.T, bin, dir string) {
	fifo := filepath.Join(dir, "ready")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	a, env := teamAdapter(bin, "logs-then-hangs")
	env["HARNESS_TEST_READY"] = fifo
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type outcome struct {
		res *Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := Run(ctx, Options{Adapter: a, Env: env, Tags: "@op:skill-credentials && @status:200", OutDir: out, Concurrency: 1})
		done <- outcome{res, err}
	}()
	// Blocks until the adapter has logged and opened the FIFO; EOF once it
	// has written its line and closed it.
	f, err := os.Open(fifo)
	if err != nil {
		t.Fatal(err)
	}
	line, err := io.ReadAll(f)
	f.Close()
	if err != nil || len(line) == 0 {
		t.Fatalf("reading the adapter's ready line: %q, %v", line, err)
	}
	cancel()
	o := <-done
	if !errors.Is(o.err, context.Canceled) || o.res == nil {
		t.Fatalf("Run = %v, %v; want the partial result and context.Canceled", o.res, o.err)
	}
	if err := WriteCertificate(out, o.res); err != nil {
		t.Fatal(err)
	}
	want := "skill-credentials: started, the secret is " + redact.String(contract.MockLWAClientSecret)
	raw, err := os.ReadFile(filepath.Join(out, StderrFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), want) {
		t.Errorf("%s lost the stderr of the call in flight: want %q, got %q", StderrFile, want, raw)
	}
	if bytes.Contains(raw, []byte(contract.MockLWAClientSecret)) {
		t.Errorf("%s shows the client secret in clear", StderrFile)
	}
	var calls []CallRecord
	for _, sc := range o.res.Scenarios {
		calls = append(calls, sc.Calls...)
	}
	if len(calls) != 1 || !calls[0].Killed || !strings.Contains(calls[0].Stderr, want) {
		t.Fatalf("calls recorded: %+v; want the one interrupted call, killed, with its stderr", calls)
	}
}
