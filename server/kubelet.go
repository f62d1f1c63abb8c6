package server

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	restclient "k8s.io/client-go/rest"

	"github.com/skiff-k8s/skiff/kubelet"
	"github.com/skiff-k8s/skiff/kubelet/containerd"
	"github.com/skiff-k8s/skiff/kubelet/images"
	"github.com/skiff-k8s/skiff/pki"
)

// KubeletOptions run a kubelet on this machine in the server process.
type KubeletOptions struct {
	// NodeName defaults to the host name.
	NodeName string
	// RuntimeEndpoint is an existing CRI socket; empty starts a private
	// containerd under <data-dir>/containerd.
	RuntimeEndpoint string
	// PodCIDR is the node's pod network (default 10.42.0.0/24).
	PodCIDR string
	// Port is the kubelet server's port (0 picks a free one; skiff server passes 10250).
	Port int
	// Address is the node's InternalIP (default: the host's address,
	// else 127.0.0.1).
	Address net.IP
	// BridgeName is the CNI bridge (default skiff0).
	BridgeName string
}

// DefaultPodCIDR is the server node's pod network.
const DefaultPodCIDR = "10.42.0.0/24"

// startKubelet brings up the container runtime (unless one is given)
// with skiff's pause image served from a loopback registry, then the
// kubelet, authenticated as system:node:<name>.
func startKubelet(ctx context.Context, r *Running, o Options, certs pki.Files) (*kubelet.Kubelet, error) {
	ko := *o.Kubelet
	if ko.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, err
		}
		ko.NodeName = strings.ToLower(h)
	}
	if ko.PodCIDR == "" {
		ko.PodCIDR = DefaultPodCIDR
	}
	if ko.BridgeName == "" {
		ko.BridgeName = "skiff0"
	}
	if ko.Address == nil {
		ko.Address = advertiseAddress(nil)
		if ko.Address == nil {
			ko.Address = net.ParseIP("127.0.0.1")
		}
	}
	dir := filepath.Join(o.DataDir, "kubelet")
	endpoint := ko.RuntimeEndpoint
	cniConf := filepath.Join(dir, "cni", "net.d")
	if endpoint == "" {
		reg, err := images.StartRegistry(ctx, "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("pause image registry: %w", err)
		}
		pause, err := images.Pause()
		if err != nil {
			return nil, err
		}
		ref, err := reg.Push("skiff/pause:3.10", pause)
		if err != nil {
			return nil, fmt.Errorf("pause image: %w", err)
		}
		if err := containerd.WriteCNIConfig(cniConf, ko.BridgeName, ko.PodCIDR); err != nil {
			return nil, fmt.Errorf("pod network: %w", err)
		}
		proc, err := containerd.Start(ctx, containerd.Options{
			Dir: filepath.Join(o.DataDir, "containerd"), SandboxImage: ref, CNIConfDir: cniConf,
		})
		if err != nil {
			return nil, fmt.Errorf("containerd: %w", err)
		}
		go func() { <-ctx.Done(); _ = proc.Stop() }()
		endpoint = proc.Endpoint()
	}
	// The API server dials the node's Hostname address first, as
	// upstream's default --kubelet-preferred-address-types says.
	names := []string{"localhost"}
	if h, err := os.Hostname(); err == nil {
		names = append(names, strings.ToLower(h))
	}
	kf, err := pki.EnsureKubelet(certs.Dir, ko.NodeName, names, []net.IP{ko.Address, net.ParseIP("127.0.0.1")})
	if err != nil {
		return nil, err
	}
	cfg := &restclient.Config{
		Host: r.URL,
		TLSClientConfig: restclient.TLSClientConfig{
			CAFile: certs.CACert(), CertFile: kf.ClientCert(), KeyFile: kf.ClientKey(),
		},
		QPS: 50, Burst: 100,
	}
	return kubelet.Start(ctx, cfg, kubelet.Options{
		NodeName:        ko.NodeName,
		RootDir:         dir,
		LogDir:          filepath.Join(dir, "pod-logs"),
		RuntimeEndpoint: endpoint,
		Address:         ko.Address,
		Port:            ko.Port,
		ServingCert:     kf.ServingCert(),
		ServingKey:      kf.ServingKey(),
		ClientCA:        certs.CACert(),
		PodCIDR:         ko.PodCIDR,
		CNIConfDir:      cniConf,
	})
}
