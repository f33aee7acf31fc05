package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/redact"
)

// clientOpts are the flags shared by every `harness client` subcommand.
type clientOpts struct {
	lockerURL, smapiURL, lwaURL string
	clientID, clientSecret      string
	refreshToken, accessToken   string
	maxAttempts                 int
	timeout                     time.Duration
	policy                      string
	verbose, reveal             bool
	getenv                      func(string) string // the process environment
}

func newClientCmd(st *globalState) *cobra.Command {
	o := &clientOpts{getenv: st.Getenv}
	cmd := &cobra.Command{
		Use:   "client",
		Short: "Reference client: call Credential Locker, SMAPI and LWA with retries and back-off",
		Long: `client calls the services through the harness's reference clients, which retry
429, 500, 503 and transport errors with full-jitter exponential back-off, honour
Retry-After, re-authenticate once after a 401 and never retry 400, 403, 404 or 409.
Output is JSON on stdout; secrets are redacted unless --reveal, which shows
them in clear under the same field names (token: accessToken, refreshToken,
tokenType, expiresIn, expiry).

Configuration comes from the environment, overridden by flags:
` + envHelp() + `
With no URLs configured it talks to the real Amazon endpoints. To use the mock:

  harness mock --addr 127.0.0.1:8080 &
  export ` + contract.EnvLockerURL + `=http://127.0.0.1:8080 ` + contract.EnvSMAPIURL + `=http://127.0.0.1:8080 ` + contract.EnvLWAURL + `=http://127.0.0.1:8080
  export ` + contract.EnvLWAClientID + `=` + contract.MockLWAClientID + ` ` + contract.EnvLWAClientSecret + `=` + contract.MockLWAClientSecret + `
  export ` + contract.EnvCustomerRefreshToken + `='` + contract.MockCustomerARefresh + `' ` + contract.EnvVendorRefreshToken + `='` + contract.MockVendorRefreshToken + `'
  export ` + contract.EnvSkillID + `=` + contract.MockSkillID + `
  harness client get-networks --extended-pan-id 0123456789abcdef --all

or pass --mock http://127.0.0.1:8080 to use the mock's well-known identities.

Exit codes: 0 success; 1 the service answered with an error; 2 bad usage or
input; 3 the service could not be reached.`,
		Args: cobra.NoArgs,
		RunE: helpAndFail,
	}
	f := cmd.PersistentFlags()
	f.StringVar(&o.lockerURL, "locker-url", "", "Credential Locker base URL (env "+contract.EnvLockerURL+")")
	f.StringVar(&o.smapiURL, "smapi-url", "", "SMAPI base URL (env "+contract.EnvSMAPIURL+")")
	f.StringVar(&o.lwaURL, "lwa-url", "", "Login with Amazon base URL (env "+contract.EnvLWAURL+")")
	f.String("mock", "", "base URL of a harness mock: use it for every service, with its well-known identities")
	f.StringVar(&o.clientID, "client-id", "", "LWA client id (env "+contract.EnvLWAClientID+")")
	f.StringVar(&o.clientSecret, "client-secret", "", "LWA client secret; prefer env "+contract.EnvLWAClientSecret+" (flags show in ps and shell history)")
	f.StringVar(&o.refreshToken, "refresh-token", "", "refresh token of the identity the subcommand uses; prefer env "+contract.EnvCustomerRefreshToken+" / "+contract.EnvVendorRefreshToken)
	f.StringVar(&o.accessToken, "access-token", "", "bearer token to use as is, skipping LWA; prefer env "+contract.EnvAccessToken)
	f.IntVar(&o.maxAttempts, "max-attempts", clients.DefaultMaxAttempts, fmt.Sprintf("attempts per call, including the first: 1 (no retry) to %d", clients.MaxAttemptsLimit))
	f.DurationVar(&o.timeout, "timeout", clients.DefaultAttemptTimeout, "limit on each attempt, reading the answer included (a timed-out attempt is retried per the policy)")
	f.StringVar(&o.policy, "retry-policy", clients.PolicyStandard, "retry policy: "+strings.Join(clients.PolicyNames(), ", ")+" (all but standard are deliberately non-compliant)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "print every attempt (status, Retry-After, delay) to stderr")
	f.BoolVar(&o.reveal, "reveal", false, "print secrets (network keys, PSKc, client secrets, tokens) in clear")

	cmd.AddCommand(
		newClientTokenCmd(o),
		newClientCreateCmd(o),
		newClientGetCmd(o),
		newClientSkillCmd(o),
	)
	return cmd
}

// envHelp lists the environment variables the client reads.
func envHelp() string {
	var b strings.Builder
	for _, l := range [][2]string{
		{contract.EnvLockerURL + ", " + contract.EnvSMAPIURL + ", " + contract.EnvLWAURL, "base URLs (default: the real services)"},
		{contract.EnvLWAClientID + ", " + contract.EnvLWAClientSecret, "LWA client (security profile)"},
		{contract.EnvCustomerRefreshToken, "customer's refresh token (Credential Locker)"},
		{contract.EnvVendorRefreshToken, "vendor's refresh token (SMAPI)"},
		{contract.EnvSkillID, "skill for skill-credentials"},
		{contract.EnvAccessToken, "bearer token to use as is, skipping LWA"},
	} {
		fmt.Fprintf(&b, "  %-57s %s\n", l[0], l[1])
	}
	return b.String()
}

// config builds the clients' configuration: environment, then --mock, then
// the explicit flags. identity says which refresh token --refresh-token sets.
func (o *clientOpts) config(cmd *cobra.Command, identity string) (clients.Config, error) {
	fl := cmd.Flags()
	// Each URL is checked once, under the name the user set it by (flag or
	// variable), before anything is sent: a URL a later source replaces is
	// not checked, and nothing is reported under a name the user never set.
	mockURL, _ := fl.GetString("mock")
	cfg := clients.FromEnv(o.getenv)
	if mockURL != "" {
		if err := clients.CheckBaseURL(mockURL); err != nil {
			return cfg, usagef("--mock %v", err)
		}
		mc := clients.MockConfig(mockURL)
		mc.AccessToken = cfg.AccessToken
		cfg = mc
	}
	for _, u := range []struct {
		flag, env string
		dst       *string
		value     string
	}{
		{"locker-url", contract.EnvLockerURL, &cfg.LockerURL, o.lockerURL},
		{"smapi-url", contract.EnvSMAPIURL, &cfg.SMAPIURL, o.smapiURL},
		{"lwa-url", contract.EnvLWAURL, &cfg.LWAURL, o.lwaURL},
	} {
		switch {
		case fl.Changed(u.flag):
			if err := clients.CheckBaseURL(u.value); err != nil {
				return cfg, usagef("--%s %v", u.flag, err)
			}
			*u.dst = u.value
		case mockURL == "" && *u.dst != "":
			if err := clients.CheckBaseURL(*u.dst); err != nil {
				return cfg, usagef("%s %v", u.env, err)
			}
		}
	}
	if fl.Changed("client-id") {
		cfg.ClientID = o.clientID
	}
	if fl.Changed("client-secret") {
		cfg.ClientSecret = redact.Secret(o.clientSecret)
		fmt.Fprintln(cmd.ErrOrStderr(), "harness: warning: --client-secret shows in process lists and shell history; prefer "+contract.EnvLWAClientSecret)
	}
	if fl.Changed("access-token") {
		cfg.AccessToken = redact.Secret(o.accessToken)
	}
	if fl.Changed("refresh-token") {
		if identity == "vendor" {
			cfg.VendorRefreshToken = redact.Secret(o.refreshToken)
		} else {
			cfg.CustomerRefreshToken = redact.Secret(o.refreshToken)
		}
	}
	if o.maxAttempts < 1 || o.maxAttempts > clients.MaxAttemptsLimit {
		return cfg, usagef("--max-attempts %d: use 1–%d (1 = no retry; more than %d attempts keep a failing service busy for minutes, which the back-off rules forbid)",
			o.maxAttempts, clients.MaxAttemptsLimit, clients.MaxAttemptsLimit)
	}
	if o.timeout <= 0 {
		return cfg, usagef("--timeout must be positive, such as 30s, got %s", o.timeout)
	}
	cfg.AttemptTimeout = o.timeout
	pol, err := clients.PolicyByName(o.policy, clients.PolicyParams{MaxAttempts: o.maxAttempts})
	if err != nil {
		return cfg, usagef("--retry-policy: %v", err)
	}
	cfg.Policy = pol
	if o.verbose {
		cfg.Observer = attemptPrinter(cmd.ErrOrStderr())
	}
	if err := cfg.Validate(); err != nil { // checked above; kept as the library's own guard
		return cfg, usagef("%v", err)
	}
	noteRealHosts(cmd.ErrOrStderr(), cmd.Name(), cfg)
	return cfg, nil
}

// noteRealHosts says on stderr which real Amazon endpoints the subcommand
// will call because no URL was configured for them, so a user who meant the
// mock is not surprised.
func noteRealHosts(w io.Writer, cmd string, cfg clients.Config) {
	var real []string
	for _, u := range []struct {
		used          bool
		url, def, env string
	}{
		{cmd == "create-network" || cmd == "get-networks", cfg.LockerURL, contract.LockerBaseURL, contract.EnvLockerURL},
		{cmd == "skill-credentials", cfg.SMAPIURL, contract.SMAPIBaseURL, contract.EnvSMAPIURL},
		{cmd == "token" || cfg.AccessToken == "", cfg.LWAURL, contract.LWABaseURL, contract.EnvLWAURL},
	} {
		if u.used && u.url == "" {
			real = append(real, u.def+" ("+u.env+" is unset)")
		}
	}
	if len(real) > 0 {
		fmt.Fprintf(w, "harness: note: calling the real service %s; pass --mock URL or set the HARNESS_*_URL variables for another target\n",
			strings.Join(real, " and "))
	}
}

// attemptPrinter writes one line per attempt.
func attemptPrinter(w io.Writer) clients.Observer {
	var mu sync.Mutex
	return clients.ObserverFunc(func(a clients.Attempt) {
		var b strings.Builder
		fmt.Fprintf(&b, "attempt %d %s client=%s", a.Number, a.Operation, a.Client)
		if a.Err != "" {
			fmt.Fprintf(&b, " error=%q", a.Err)
		} else {
			fmt.Fprintf(&b, " status=%d", a.Status)
		}
		fmt.Fprintf(&b, " took=%s", a.Received.Sub(a.Sent).Round(100_000))
		if a.RetryAfter > 0 || a.RetryAfterDate {
			fmt.Fprintf(&b, " retry-after=%s", a.RetryAfter)
			if a.RetryAfterDate {
				b.WriteString("(date)")
			}
		}
		switch {
		case a.Reauth:
			b.WriteString(" -> re-authenticate and retry")
		case a.Retry:
			fmt.Fprintf(&b, " -> retry in %s", a.Delay.Round(1_000_000))
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(w, b.String())
	})
}

func newClientTokenCmd(o *clientOpts) *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Get an access token from Login with Amazon (refresh-token grant)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if as != "customer" && as != "vendor" {
				return usagef("--as must be customer or vendor, got %q", as)
			}
			cfg, err := o.config(cmd, as)
			if err != nil {
				return err
			}
			refresh, env := cfg.CustomerRefreshToken, contract.EnvCustomerRefreshToken
			if as == "vendor" {
				refresh, env = cfg.VendorRefreshToken, contract.EnvVendorRefreshToken
			}
			if cfg.AccessToken != "" && !cmd.Flags().Changed("refresh-token") {
				t := clients.Token{AccessToken: cfg.AccessToken, TokenType: "bearer"}
				return o.print(cmd, t, t.Reveal())
			}
			if refresh == "" {
				return usagef("no %s refresh token: set %s or --refresh-token", as, env)
			}
			lwa, err := cfg.LWA(refresh)
			if err != nil {
				return usagef("%v", err)
			}
			t, err := lwa.Fetch(cmd.Context())
			if err != nil {
				return o.fail(cmd, err)
			}
			return o.print(cmd, t, t.Reveal())
		},
	}
	cmd.Flags().StringVar(&as, "as", "customer", "whose refresh token to use: customer or vendor")
	return cmd
}

func newClientCreateCmd(o *clientOpts) *cobra.Command {
	var body string
	var raw bool
	cmd := &cobra.Command{
		Use:   "create-network --json BODY",
		Short: "Create a Thread network (PUT " + contract.ThreadNetworksPath + ")",
		Long: `create-network creates a Thread network for the customer.

BODY is JSON, given literally, as @FILE, or @- for stdin: either the request body
{"threadNetwork": {...}} or the bare network object, for example
  {"extendedPanId":"0123456789abcdef","networkName":"home","networkKey":"00112233445566778899aabbccddeeff"}
With --raw BODY is sent exactly as given (to test the service's validation).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if body == "" {
				return usagef("--json is required: the network as JSON, @FILE or @-")
			}
			data, err := readArg(cmd, body)
			if err != nil {
				return usagef("--json: %v", err)
			}
			var n clients.ThreadNetwork
			if !raw {
				if n, err = clients.ParseThreadNetwork(data); err != nil {
					return usagef("--json: %v", err)
				}
			}
			l, err := o.locker(cmd)
			if err != nil {
				return err
			}
			if raw {
				err = l.CreateThreadNetworkRaw(cmd.Context(), data)
			} else {
				err = l.CreateThreadNetwork(cmd.Context(), n)
			}
			if err != nil {
				return o.fail(cmd, err)
			}
			if raw {
				return o.print(cmd, map[string]any{"created": true}, map[string]any{"created": true})
			}
			return o.print(cmd,
				struct {
					Created       bool                  `json:"created"`
					ThreadNetwork clients.ThreadNetwork `json:"threadNetwork"`
				}{true, n},
				struct {
					Created       bool                      `json:"created"`
					ThreadNetwork clients.ThreadNetworkWire `json:"threadNetwork"`
				}{true, n.Reveal()})
		},
	}
	cmd.Flags().StringVar(&body, "json", "", "the network as JSON, @FILE or @- (stdin)")
	cmd.Flags().BoolVar(&raw, "raw", false, "send BODY as is, without checking it")
	return cmd
}

func newClientGetCmd(o *clientOpts) *cobra.Command {
	var q clients.NetworkQuery
	var all bool
	cmd := &cobra.Command{
		Use:   "get-networks --extended-pan-id X",
		Short: "List the customer's Thread networks (GET " + contract.ThreadNetworksPath + ")",
		Long: `get-networks lists the customer's Thread networks with the given extended PAN id
(and network name). Without --all it prints one page and its nextToken; with
--all it follows nextToken through every page.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if q.ExtendedPanID == "" {
				return usagef("--extended-pan-id is required")
			}
			if cmd.Flags().Changed("max-results") && (q.MaxResults < 1 || q.MaxResults > 100) {
				return usagef("--max-results must be 1–100, got %d", q.MaxResults)
			}
			if all && q.NextToken != "" {
				return usagef("--all and --next-token do not go together")
			}
			l, err := o.locker(cmd)
			if err != nil {
				return err
			}
			var page clients.NetworkPage
			if all {
				page.Networks, err = l.All(cmd.Context(), q)
			} else {
				page, err = l.GetThreadNetworks(cmd.Context(), q)
			}
			if err != nil {
				return o.fail(cmd, err)
			}
			wire := struct {
				Networks  []clients.ThreadNetworkWire `json:"threadNetworks"`
				NextToken string                      `json:"nextToken,omitempty"`
			}{make([]clients.ThreadNetworkWire, len(page.Networks)), page.NextToken}
			for i, n := range page.Networks {
				wire.Networks[i] = n.Reveal()
			}
			if page.Networks == nil {
				page.Networks = []clients.ThreadNetwork{}
			}
			return o.print(cmd, page, wire)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&q.ExtendedPanID, "extended-pan-id", "", "extended PAN id to look up (required)")
	fl.StringVar(&q.NetworkName, "network-name", "", "only the network with this name")
	fl.IntVar(&q.MaxResults, "max-results", 0, "page size, 1–100 (default: the service's, 10)")
	fl.StringVar(&q.NextToken, "next-token", "", "continue from this page token")
	fl.BoolVar(&all, "all", false, "follow nextToken through every page")
	return cmd
}

func newClientSkillCmd(o *clientOpts) *cobra.Command {
	var skillID string
	cmd := &cobra.Command{
		Use:   "skill-credentials [--skill-id ID]",
		Short: "Get a skill's messaging credentials (SMAPI GET /v1/skills/{skillId}/credentials)",
		Long: `skill-credentials prints the skill's messaging client id and secret (redacted
unless --reveal). The skill is --skill-id, else ` + contract.EnvSkillID + `.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := o.config(cmd, "vendor")
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("skill-id") {
				cfg.SkillID = skillID
			}
			if cfg.SkillID == "" {
				return usagef("no skill: pass --skill-id or set %s", contract.EnvSkillID)
			}
			s, err := cfg.SMAPI()
			if err != nil {
				return usagef("%v", err)
			}
			c, err := s.GetSkillCredentials(cmd.Context(), cfg.SkillID)
			if err != nil {
				return o.fail(cmd, err)
			}
			return o.print(cmd,
				struct {
					C clients.SkillCredentials `json:"skillMessagingCredentials"`
				}{c},
				struct {
					C clients.SkillCredentialsWire `json:"skillMessagingCredentials"`
				}{c.Reveal()})
		},
	}
	cmd.Flags().StringVar(&skillID, "skill-id", "", "skill id (env "+contract.EnvSkillID+")")
	return cmd
}

// print writes the redacted value, or with --reveal the clear one, as JSON.
// locker returns a Credential Locker client acting as the customer.
func (o *clientOpts) locker(cmd *cobra.Command) (*clients.Locker, error) {
	cfg, err := o.config(cmd, "customer")
	if err != nil {
		return nil, err
	}
	l, err := cfg.Locker()
	if err != nil {
		return nil, usagef("%v", err)
	}
	return l, nil
}

func (o *clientOpts) print(cmd *cobra.Command, redacted, clear any) error {
	v := redacted
	if o.reveal {
		v = clear
	}
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return withCode(ExitRuntime, fmt.Errorf("write output: %w", err))
	}
	return nil
}

// fail prints an API error as JSON on stdout and returns it with the exit
// code of its kind: 1 for an answer, 3 for no answer, as is for an
// interruption.
func (o *clientOpts) fail(cmd *cobra.Command, err error) error {
	var ae *clients.APIError
	var de *clients.DecodeError
	switch {
	case cmd.Context().Err() != nil && errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &ae):
		_ = o.print(cmd, map[string]any{"error": ae}, map[string]any{"error": ae})
		return withCode(ExitFailed, err)
	case errors.As(err, &de):
		return withCode(ExitFailed, err)
	}
	return withCode(ExitRuntime, err)
}

// readArg returns v, or the contents of the file @v names (@- is stdin).
func readArg(cmd *cobra.Command, v string) ([]byte, error) {
	if !strings.HasPrefix(v, "@") {
		return []byte(v), nil
	}
	name := v[1:]
	if name == "-" {
		return io.ReadAll(io.LimitReader(cmd.InOrStdin(), 1<<20))
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}
