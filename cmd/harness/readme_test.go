package main

import (
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestReadmeListsEveryFlag: README.md names every flag of the core
// commands (their subcommands included), and the exit code table names
// every exit code, so the README cannot drift from the binary.
func TestReadmeListsEveryFlag(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	root := newRootCmd(newTestState(t).globalState)
	for _, name := range []string{"conform", "load", "report", "mock", "client", "contract"} {
		cmd, _, err := root.Find([]string{name})
		if err != nil || cmd == root {
			t.Fatalf("no command %q", name)
		}
		for _, c := range append([]*cobra.Command{cmd}, cmd.Commands()...) {
			for _, fs := range []*pflag.FlagSet{c.LocalNonPersistentFlags(), c.PersistentFlags()} {
				fs.VisitAll(func(f *pflag.Flag) {
					if f.Hidden || f.Name == "help" {
						return
					}
					if !strings.Contains(readme, "`--"+f.Name) && !strings.Contains(readme, " --"+f.Name+" ") {
						t.Errorf("README.md does not list %s --%s", c.CommandPath(), f.Name)
					}
				})
			}
		}
	}
	for _, code := range []string{"**0**", "**1**", "**2**", "**3**", "**4**", "**130**"} {
		if !strings.Contains(readme, code) {
			t.Errorf("README.md's exit codes lack %s", code)
		}
	}
	if !strings.Contains(readme, ".ci/run") || !strings.Contains(readme, "libxml2-utils") {
		t.Error("README.md does not say what CI runs and what it needs")
	}
}
