package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newClientCmd is a placeholder until its issue lands.
func newClientCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "client",
		Short: "(not yet available)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCode(ExitRuntime, errors.New("client: not implemented yet"))
		},
	}
}
