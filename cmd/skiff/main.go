// Command skiff is a Kubernetes-API-compatible cluster in one binary.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/skiff-k8s/skiff/cmd/skiff/app"
)

func main() {
	root := &cobra.Command{
		Use:           "skiff",
		Short:         "A Kubernetes-API-compatible cluster in one binary",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(app.NewServerCommand(), app.NewKubectlCommand())
	root.AddCommand(app.NewSimCommand(), app.NewControllerManagerCommand(), app.NewSchedulerCommand())
	if len(os.Args) > 1 && os.Args[1] == "kubectl" {
		// kubectl parses its own flags; hand it everything after "kubectl".
		os.Exit(app.RunKubectl(os.Args[2:]))
	}
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "skiff:", err)
		os.Exit(1)
	}
}
