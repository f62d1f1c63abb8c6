// Command skiff is a Kubernetes-API-compatible cluster in one binary.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"

	"github.com/skiff-k8s/skiff/cmd/skiff/app"
)

func main() { os.Exit(run()) }

func run() int {
	root := &cobra.Command{
		Use:           "skiff",
		Short:         "A Kubernetes-API-compatible cluster in one binary",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(app.NewServerCommand(), app.NewKubectlCommand())
	root.AddCommand(app.NewSimCommand(), app.NewControllerManagerCommand(), app.NewSchedulerCommand())
	root.AddCommand(app.NewAgentCommand(), app.NewTokenCommand())
	if len(os.Args) > 1 && os.Args[1] == "kubectl" {
		// kubectl parses its own flags; hand it everything after "kubectl".
		return app.RunKubectl(os.Args[2:])
	}
	if stop := startProfile(); stop != nil {
		defer stop()
	}
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "skiff:", err)
		return 1
	}
	return 0
}

// startProfile writes a CPU profile of the whole run to
// $SKIFF_CPUPROFILE.<subcommand>.<pid> when that variable is set (for
// benchmarks, where several skiff processes run at once).
func startProfile() func() {
	prefix := os.Getenv("SKIFF_CPUPROFILE")
	if prefix == "" || len(os.Args) < 2 {
		return nil
	}
	f, err := os.Create(fmt.Sprintf("%s.%s.%d", prefix, os.Args[1], os.Getpid()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "skiff: SKIFF_CPUPROFILE:", err)
		return nil
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "skiff: SKIFF_CPUPROFILE:", err)
		f.Close()
		return nil
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
