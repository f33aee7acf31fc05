package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/alexa-harness/harness/internal/certify"
)

// newAdapterCmd is the certification adapter over the harness's own
// reference client: `harness adapter OPERATION`, exactly the interface of
// docs/certify.md, so that `harness certify` with no --client certifies it.
func newAdapterCmd(st *globalState) *cobra.Command {
	return &cobra.Command{
		Use:   "adapter OPERATION",
		Short: "The reference client as a certification adapter (JSON on stdin and stdout; docs/certify.md)",
		Long: `adapter performs one operation with the harness's reference client, as a skill
team's adapter does for 'harness certify': OPERATION is create-network,
get-networks or skill-credentials; the input is one JSON object on stdin; the
answer is one JSON object on stdout; an attempt log goes to stderr. It reads only
HARNESS_LOCKER_URL, HARNESS_SMAPI_URL, HARNESS_LWA_URL, HARNESS_LWA_CLIENT_ID,
HARNESS_LWA_CLIENT_SECRET, HARNESS_CUSTOMER_ACCESS_TOKEN,
HARNESS_CUSTOMER_REFRESH_TOKEN, HARNESS_VENDOR_ACCESS_TOKEN and
HARNESS_VENDOR_REFRESH_TOKEN.

Exit codes: 0 the operation succeeded; 1 it failed (an error answer, or the
client gave up); 2 bad usage or input.`,
		Example: `  echo '{"skillId": "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"}' | harness adapter skill-credentials`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			code := certify.RunReferenceAdapter(cmd.Context(), args[0], cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), st.Getenv)
			if code != certify.AdapterOK {
				return withCode(code, fmt.Errorf("adapter %s: exit %d", args[0], code))
			}
			return nil
		},
	}
}
