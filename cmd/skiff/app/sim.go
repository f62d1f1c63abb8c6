package app

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff-k8s/skiff/config"
	"github.com/skiff-k8s/skiff/sim"
)

// NewSimCommand returns `skiff sim`, whose `nodes` subcommand runs
// simulated nodes against any cluster.
func NewSimCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Simulate cluster members (nodes) without running containers",
	}
	cmd.AddCommand(newSimNodesCommand())
	return cmd
}

func newSimNodesCommand() *cobra.Command {
	o := sim.Defaults()
	var kubeconfig string
	var cleanup bool
	cmd := &cobra.Command{
		Use:   "nodes",
		Short: "Register simulated nodes, keep their Leases fresh and run the pods bound to them (like KWOK)",
		Long: `Registers --count Ready nodes named <name-prefix><index> with the given capacity, renews
their Leases in kube-node-lease every 10 s, and reports pods bound to them Running and Ready
(and completes their deletion) without running containers. It never binds pods itself.
Runs until interrupted; --cleanup deletes the nodes on exit.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadKubeconfig(kubeconfig)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			start := time.Now()
			s, err := sim.Start(ctx, cfg, o)
			if err != nil {
				return err
			}
			fmt.Printf("skiff: %d simulated nodes ready in %v (%s0 ... %s%d)\n", o.Count, time.Since(start).Round(time.Millisecond), o.NamePrefix, o.NamePrefix, o.Count-1)
			<-ctx.Done()
			<-s.Done()
			if cleanup {
				cctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				if err := s.Cleanup(cctx); err != nil {
					return fmt.Errorf("removing simulated nodes: %w", err)
				}
				fmt.Printf("skiff: removed %d simulated nodes\n", o.Count)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig of the cluster (default: $KUBECONFIG, else the default data dir's admin kubeconfig)")
	fs.IntVar(&o.Count, "count", o.Count, "number of nodes")
	fs.StringVar(&o.NamePrefix, "name-prefix", o.NamePrefix, "node names are this prefix and an index")
	fs.StringVar(&o.CPU, "cpu", o.CPU, "each node's CPU capacity")
	fs.StringVar(&o.Memory, "memory", o.Memory, "each node's memory capacity")
	fs.StringVar(&o.Pods, "pods", o.Pods, "each node's pod capacity")
	fs.StringVar(&o.EphemeralStorage, "ephemeral-storage", o.EphemeralStorage, "each node's ephemeral-storage capacity")
	fs.IntVar(&o.Zones, "zones", o.Zones, "spread nodes round-robin over this many zones (topology.kubernetes.io/zone=zone-<i>); 0: no zone labels")
	fs.StringVar(&o.Arch, "arch", o.Arch, "kubernetes.io/arch of the nodes")
	fs.DurationVar(&o.LeaseInterval, "lease-interval", o.LeaseInterval, "how often each node's Lease is renewed")
	fs.IntVar(&o.Workers, "workers", o.Workers, "pods processed in parallel")
	fs.Float32Var(&o.QPS, "kube-api-qps", o.QPS, "client QPS limit")
	fs.IntVar(&o.Burst, "kube-api-burst", o.Burst, "client burst")
	fs.BoolVar(&cleanup, "cleanup", false, "delete the nodes and their Leases on exit")
	return cmd
}

// loadKubeconfig reads path, else $KUBECONFIG, else the default data dir's
// admin kubeconfig (as `skiff kubectl` does).
func loadKubeconfig(path string) (*rest.Config, error) {
	if path == "" && os.Getenv("KUBECONFIG") == "" {
		if dir, err := filepath.Abs(config.DefaultDataDir()); err == nil {
			if p := config.KubeconfigPath(dir); fileExists(p) {
				path = p
			}
		}
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = path
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	return cfg, nil
}
