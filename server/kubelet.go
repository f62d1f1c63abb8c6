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

// startKubelet runs the server machine's own node, authenticated as
// system:node:<name> with certificates issued straight from the CA.
func startKubelet(ctx context.Context, r *Running, o Options, certs pki.Files) (*kubelet.Kubelet, error) {
	ko := o.Kubelet.Defaults()
	kf, err := pki.EnsureKubelet(certs.Dir, ko.NodeName, ko.ServingNames(), ko.ServingIPs())
	if err != nil {
		return nil, err
	}
	cfg := &restclient.Config{
		Host: r.URL,
		TLSClientConfig: restclient.TLSClientConfig{
			CAFile: certs.CACert(), CertFile: kf.ClientCert(), KeyFile: kf.ClientKey(),
		},
	}
	return StartNode(ctx, cfg, o.DataDir, certs.CACert(), kf.ServingCert(), kf.ServingKey(), ko)
}

// Defaults fills what ko leaves empty: the host name (lower-cased), the
// default pod CIDR and bridge, and the host's address.
func (ko KubeletOptions) Defaults() KubeletOptions {
	out := ko
	if out.NodeName == "" {
		h, _ := os.Hostname()
		out.NodeName = strings.ToLower(h)
	}
	if out.PodCIDR == "" {
		out.PodCIDR = DefaultPodCIDR
	}
	if out.BridgeName == "" {
		out.BridgeName = "skiff0"
	}
	if out.Address == nil {
		out.Address = advertiseAddress(nil) // 127.0.0.1 when it finds none
	}
	return out
}

// ServingNames are the kubelet serving certificate's DNS names: the API
// server dials the node's Hostname address first, as upstream's default
// --kubelet-preferred-address-types says.
func (ko KubeletOptions) ServingNames() []string {
	names := []string{ko.NodeName, "localhost"}
	if h, err := os.Hostname(); err == nil {
		names = append(names, strings.ToLower(h))
	}
	return names
}

// ServingIPs are the kubelet serving certificate's addresses.
func (ko KubeletOptions) ServingIPs() []net.IP {
	return []net.IP{ko.Address, net.ParseIP("127.0.0.1")}
}

// StartNode brings up a node: the container runtime (unless ko names
// one) with skiff's pause image served from a loopback registry, then the
// kubelet with cfg (its identity) and its serving certificate. Both
// `skiff server` and `skiff agent` run nodes this way.
func StartNode(ctx context.Context, cfg *restclient.Config, dataDir, clientCA, servingCert, servingKey string, ko KubeletOptions) (*kubelet.Kubelet, error) {
	ko = ko.Defaults()
	dir := filepath.Join(dataDir, "kubelet")
	endpoint := ko.RuntimeEndpoint
	cniConf := filepath.Join(dir, "cni", "net.d")
	var stopRuntime func() error
	if endpoint == "" {
		reg, err := images.StartRegistry(ctx, "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("pause image registry: %w", err)
		}
		pause, err := images.Pause()
		if err != nil {
			return nil, err
		}
		ref, err := reg.Push(images.PauseRepoTag, pause)
		if err != nil {
			return nil, fmt.Errorf("pause image: %w", err)
		}
		if err := containerd.WriteCNIConfig(cniConf, ko.BridgeName, ko.PodCIDR); err != nil {
			return nil, fmt.Errorf("pod network: %w", err)
		}
		proc, err := containerd.Start(ctx, containerd.Options{
			Dir: filepath.Join(dataDir, "containerd"), SandboxImage: ref, CNIConfDir: cniConf,
		})
		if err != nil {
			return nil, fmt.Errorf("containerd: %w", err)
		}
		stopRuntime = proc.Stop
		endpoint = proc.Endpoint()
	}
	cfg = restclient.CopyConfig(cfg)
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 50, 100
	}
	k, err := kubelet.Start(ctx, cfg, kubelet.Options{
		NodeName:        ko.NodeName,
		RootDir:         dir,
		LogDir:          filepath.Join(dir, "pod-logs"),
		RuntimeEndpoint: endpoint,
		Address:         ko.Address,
		Port:            ko.Port,
		ServingCert:     servingCert,
		ServingKey:      servingKey,
		ClientCA:        clientCA,
		PodCIDR:         ko.PodCIDR,
		CNIConfDir:      cniConf,
	})
	if err != nil {
		if stopRuntime != nil {
			_ = stopRuntime()
		}
		return nil, err
	}
	k.StopRuntime = stopRuntime
	if stopRuntime != nil {
		// Stopped with ctx; a process that exits at once after ctx ends
		// calls StopRuntime itself to be sure containerd is gone.
		go func() { <-ctx.Done(); _ = stopRuntime() }()
	}
	return k, nil
}
