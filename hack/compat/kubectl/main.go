// Command kubectl is the stock kubectl of k8s.io/kubectl v0.37.2 (the same
// one `skiff kubectl` runs), built on its own so that hack/compat can
// record upstream's discovery output even while the rest of the tree does
// not build.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
)

func main() {
	os.Exit(cli.Run(cmd.NewDefaultKubectlCommand()))
}
