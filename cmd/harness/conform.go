package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newConformCmd is a placeholder until its issue lands.
func newConformCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "conform",
		Short: "(not yet available)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCode(ExitRuntime, errors.New("conform: not implemented yet"))
		},
	}
}
