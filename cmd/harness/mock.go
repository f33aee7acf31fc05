package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/netguard"
	"github.com/alexa-harness/harness/internal/redact"
)

func newMockCmd(st *globalState) *cobra.Command {
	var (
		addr, fixtures, logFormat, logLevel string
		strict, allowRemote                 bool
		journalSize                         int
	)
	cmd := &cobra.Command{
		Use:   "mock",
		Short: "Serve the mock of Credential Locker, SMAPI skill credentials and Login with Amazon",
		Long: `mock serves, on one base URL, a faithful mock of the Credential Locker API
(PUT/GET /credentiallocker/v2/threadNetworks), the SMAPI Skill Credentials API
(GET /v1/skills/{skillId}/credentials) and Login with Amazon (POST /auth/o2/token),
plus its control API under /__harness/ (faults, rate limits, journal, reset,
health) and Prometheus metrics on /metrics.

It starts with the well-known test identities (see docs/mock.md); --fixtures adds
to them or replaces them. Secrets are printed redacted; the well-known values are
public test credentials of the mock, listed in docs/mock.md.

The mock listens on loopback only unless --allow-remote is given: it hands out
credentials to anyone who asks and has a control API without authentication.`,
		Example: `  harness mock
  harness mock --addr 127.0.0.1:9000 --fixtures fixtures.yaml --strict-thread
  curl -s -X POST http://127.0.0.1:8080/__harness/faults -d '{"operation":"getThreadNetworks","status":503,"count":2,"retryAfter":1}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(cmd.ErrOrStderr(), logFormat, logLevel)
			if err != nil {
				return err
			}
			if err := mock.CheckJournalSize(journalSize); err != nil {
				return usagef("--journal-size: %v", err)
			}
			if err := checkLoopback(addr, allowRemote); err != nil {
				return err
			}
			cfg := mock.Config{StrictThread: strict, JournalSize: journalSize, Logger: logger}
			if fixtures != "" {
				fx, err := mock.LoadFixtures(fixtures)
				if err != nil {
					return withCode(ExitUsage, err)
				}
				cfg.Fixtures = fx
			}
			// A full journal is live heap the user asked for: keep the soft
			// memory limit above it (memoryLimitForHarness).
			st.reserveMemory(int64(journalSize) * mock.JournalEntryBytes)
			ctx := cmd.Context()
			run, err := mock.Start(ctx, addr, cfg)
			if err != nil {
				return withCode(ExitRuntime, err)
			}
			printBanner(cmd.OutOrStdout(), run, strict)
			logger.Info("mock listening", "url", run.URL)
			select {
			case <-ctx.Done():
			case <-run.Done():
			}
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := run.Close(sctx); err != nil {
				return withCode(ExitRuntime, err)
			}
			logger.Info("mock stopped")
			if ctx.Err() != nil {
				return nil // a requested stop (SIGINT/SIGTERM) is a success for a server
			}
			return withCode(ExitRuntime, fmt.Errorf("mock: server stopped unexpectedly"))
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "host:port to listen on (port 0: any free port)")
	f.StringVar(&fixtures, "fixtures", "", "YAML or JSON fixtures file that extends or replaces the built-in identities (see docs/mock.md)")
	f.BoolVar(&strict, "strict-thread", false, "require hex extendedPanId (16 digits), networkKey and pskc (32), panId (4, not ffff) on create")
	f.IntVar(&journalSize, "journal-size", mock.DefaultJournalSize, fmt.Sprintf("requests kept in the journal (a ring buffer, 1 to %d)", mock.MaxJournalSize))
	f.StringVar(&logFormat, "log-format", "text", "request log format on stderr: text or json")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info (logs every request), warn or error")
	f.BoolVar(&allowRemote, "allow-remote", false, "allow a non-loopback --addr (the mock has no real authentication)")
	return cmd
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level: %q is not a level: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("--log-format: %q is not a format: use text or json", format)
}

// checkLoopback refuses a non-loopback listen address unless allowed.
func checkLoopback(addr string, allow bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--addr: %q is not host:port (%v): use e.g. 127.0.0.1:8080", addr, err)
	}
	if allow {
		return nil
	}
	if !netguard.IsLoopback(host) {
		return usagef("--addr: %q is not a loopback address: the mock hands out credentials and has an open control API; use 127.0.0.1 or [::1], or pass --allow-remote", host)
	}
	return nil
}

// printBanner says where the mock listens and which identities it serves,
// with every secret redacted.
func printBanner(w io.Writer, run *mock.Running, strict bool) {
	fx := run.Server.Fixtures()
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("harness mock listening on %s (strict Thread mode: %v)", run.URL, strict)
	p("  Credential Locker  %s/credentiallocker/v2/threadNetworks", run.URL)
	p("  SMAPI              %s/v1/skills/{skillId}/credentials", run.URL)
	p("  Login with Amazon  %s/auth/o2/token", run.URL)
	p("  metrics            %s/metrics", run.URL)
	p("identities (secrets redacted; the well-known values are listed in docs/mock.md):")
	for _, c := range fx.Clients {
		p("  LWA client  %s  secret %s", c.ID, redact.String(c.Secret))
	}
	for _, v := range fx.Vendors {
		p("  vendor      %-18s refresh token %s", v.ID, redact.String(v.RefreshToken))
	}
	for _, s := range fx.Skills {
		p("  skill       %s (vendor %s) messaging client %s secret %s", s.ID, s.Vendor, s.ClientID, redact.String(s.ClientSecret))
	}
	for _, c := range fx.Customers {
		scope := "Thread scope"
		if !c.HasThreadScope() {
			scope = "no Thread scope"
		}
		p("  customer    %-18s refresh token %s  %s, %d pre-seeded networks", c.ID, redact.String(c.RefreshToken), scope, len(c.Networks))
	}
	p("control API (%s/__harness/...):", run.URL)
	p("  POST   faults     {\"operation\",\"status\",\"count\",\"probability\",\"retryAfter\",\"delayMs\",\"reset\"} -> 201 {\"id\"}")
	p("  DELETE faults     remove every fault")
	p("  PUT    ratelimit  {\"operation\",\"rate\",\"burst\",\"retryAfter\"} per-token token bucket, 429 + Retry-After")
	p("  GET    journal    every request seen;  POST reset;  GET health")
	p("stop with Ctrl-C")
}
