package app

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"

	"github.com/skiff-k8s/skiff/config"
)

// NewKubectlCommand returns `skiff kubectl`; main dispatches to RunKubectl
// before cobra parses anything, so this command only documents it.
func NewKubectlCommand() *cobra.Command {
	return &cobra.Command{
		Use:                "kubectl [args...]",
		Short:              "Run the stock kubectl (k8s.io/kubectl), defaulting to the data dir's admin kubeconfig",
		DisableFlagParsing: true,
		Run:                func(*cobra.Command, []string) {},
	}
}

// RunKubectl runs kubectl with args. Without KUBECONFIG in the environment
// it uses the admin kubeconfig of the default data dir, when one exists.
func RunKubectl(args []string) int {
	if os.Getenv("KUBECONFIG") == "" {
		if dir, err := filepath.Abs(config.DefaultDataDir()); err == nil {
			if p := config.KubeconfigPath(dir); fileExists(p) {
				os.Setenv("KUBECONFIG", p)
			}
		}
	}
	os.Args = append([]string{"kubectl"}, args...)
	return cli.Run(cmd.NewDefaultKubectlCommand())
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
