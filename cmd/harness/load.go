package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newLoadCmd is a placeholder until its issue lands.
func newLoadCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "load",
		Short: "(not yet available)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCode(ExitRuntime, errors.New("load: not implemented yet"))
		},
	}
}
