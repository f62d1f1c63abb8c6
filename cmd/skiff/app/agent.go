package app

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/skiff-k8s/skiff/agent"
)

// NewAgentCommand returns `skiff agent`: joins this machine to a cluster
// as a node and runs its kubelet and container runtime.
func NewAgentCommand() *cobra.Command {
	var o agent.Options
	var address string
	o.DataDir = "/var/lib/skiff-agent"
	o.Node.PodCIDR = "10.42.1.0/24"
	o.Node.Port = 10250
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Join this machine to a skiff cluster as a node (kubelet and containerd)",
		Long: "Join this machine to a cluster as a node: with a bootstrap token from `skiff token create` " +
			"the agent asks the cluster for its kubelet certificates (CertificateSigningRequests the " +
			"controllers approve and sign), then runs the kubelet and a private containerd.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if address != "" {
				if o.Node.Address = net.ParseIP(address); o.Node.Address == nil {
					return fmt.Errorf("--node-ip %q is not an IP address", address)
				}
			}
			var err error
			if o.DataDir, err = filepath.Abs(o.DataDir); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			k, err := agent.Run(ctx, o)
			if err != nil {
				return err
			}
			fmt.Printf("skiff agent: node %s is running (kubelet port %d)\n", k.NodeName(), k.Port)
			<-ctx.Done()
			if k.StopRuntime != nil {
				return k.StopRuntime()
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Server, "server", o.Server, "the API server's URL, https://host:6443")
	f.StringVar(&o.Token, "token", o.Token, "bootstrap token from `skiff token create` (only for the first join)")
	f.StringVar(&o.CACert, "ca-cert", o.CACert, "the cluster CA certificate (<server data dir>/pki/ca.crt)")
	f.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "instead of --server/--token/--ca-cert: a kubeconfig whose identity the kubelet uses")
	f.StringVar(&o.DataDir, "data-dir", o.DataDir, "the node's certificates, kubelet state and containerd")
	f.StringVar(&o.Node.NodeName, "node-name", o.Node.NodeName, "node name (default: the host name)")
	f.StringVar(&address, "node-ip", "", "the node's InternalIP (default: the address of the default route)")
	f.StringVar(&o.Node.PodCIDR, "pod-cidr", o.Node.PodCIDR, "this node's pod network; each node needs its own")
	f.IntVar(&o.Node.Port, "kubelet-port", o.Node.Port, "the kubelet's HTTPS port (0 picks a free one)")
	f.StringVar(&o.Node.RuntimeEndpoint, "container-runtime-endpoint", o.Node.RuntimeEndpoint, "CRI socket of an existing runtime; empty starts a private containerd in the data dir")
	f.StringVar(&o.Node.BridgeName, "cni-bridge", "skiff0", "the pod network's bridge")
	return cmd
}
