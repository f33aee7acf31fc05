package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newContractCmd is a placeholder until its issue lands.
func newContractCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "contract",
		Short: "(not yet available)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCode(ExitRuntime, errors.New("contract: not implemented yet"))
		},
	}
}
