package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newMockCmd is a placeholder until its issue lands.
func newMockCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "mock",
		Short: "(not yet available)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCode(ExitRuntime, errors.New("mock: not implemented yet"))
		},
	}
}
