// Package app holds skiff's subcommands.
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
	"k8s.io/apiserver/pkg/storage/storagebackend"

	"github.com/skiff-k8s/skiff/config"
	"github.com/skiff-k8s/skiff/kubelet/containerd"
	"github.com/skiff-k8s/skiff/server"
)

// NewServerCommand returns `skiff server`.
func NewServerCommand() *cobra.Command {
	o := config.NewServer()
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run a single-node cluster: API server, embedded etcd and controllers",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.ConfigFile != "" {
				if err := config.LoadFile(cmd.Flags(), o.ConfigFile); err != nil {
					return err
				}
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return run(ctx, o)
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

func run(ctx context.Context, o *config.Server) error {
	bind := net.ParseIP(o.BindAddress)
	if bind == nil {
		return fmt.Errorf("--bind-address %q is not an IP address", o.BindAddress)
	}
	dataDir, err := filepath.Abs(o.DataDir)
	if err != nil {
		return err
	}
	var kl *server.KubeletOptions
	switch {
	case o.DisableKubelet:
	case o.ContainerRuntimeEndpoint != "":
		kl = &server.KubeletOptions{RuntimeEndpoint: o.ContainerRuntimeEndpoint}
	default:
		if err := containerd.Available(); err != nil {
			fmt.Fprintf(os.Stderr, "skiff: no kubelet (pods will not run on this machine): %v\n", err)
		} else {
			kl = &server.KubeletOptions{}
		}
	}
	if kl != nil {
		kl.NodeName, kl.PodCIDR, kl.Port = o.NodeName, o.PodCIDR, o.KubeletPort
	}
	s, err := server.Start(ctx, server.Options{
		Kubelet:               kl,
		DataDir:               dataDir,
		BindAddress:           bind,
		Port:                  o.SecurePort,
		TLSSANs:               o.TLSSANs,
		EtcdPrefix:            o.EtcdPrefix,
		UnsafeNoFsync:         o.UnsafeNoFsync,
		ServiceClusterIPRange: o.ServiceClusterIPRange,
		ServiceNodePortRange:  o.ServiceNodePortRange,
		SchedulerConfig:       o.SchedulerConfig,
		DisableScheduler:      o.DisableScheduler,
		DisableControllers:    o.DisableControllers,
		SimNodes:              o.SimNodes,
		ExternalEtcd: storagebackend.TransportConfig{
			ServerList:    o.EtcdServers,
			TrustedCAFile: o.EtcdCAFile,
			CertFile:      o.EtcdCert,
			KeyFile:       o.EtcdKey,
		},
	})
	if err != nil {
		return err
	}
	fmt.Printf("skiff: serving %s; admin kubeconfig: %s\n", s.URL, s.Kubeconfig)
	<-s.Done()
	if s.Kubelet != nil && s.Kubelet.StopRuntime != nil {
		_ = s.Kubelet.StopRuntime() // containers keep running
	}
	return s.Err()
}
