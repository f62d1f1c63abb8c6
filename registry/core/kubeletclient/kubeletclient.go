// Package kubeletclient finds how the API server reaches the kubelet of a
// node, as kube-apiserver's pkg/kubelet/client does: the node's address by
// a preference of address types, the port its kubelet reports, HTTPS with
// the API server's kubelet client certificate, and the kubelet's serving
// certificate checked against the cluster CA.
//
// pods/log, pods/exec, pods/attach, pods/portforward and nodes/proxy use it.
package kubeletclient

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/transport"
)

// DefaultPort is the kubelet's port when a node does not report one
// (status.daemonEndpoints.kubeletEndpoint.port), as --kubelet-port.
const DefaultPort = 10250

// DefaultPreferredAddressTypes is kube-apiserver's default
// --kubelet-preferred-address-types: the hostname override, then internal
// and external addresses, DNS names before IPs.
var DefaultPreferredAddressTypes = []corev1.NodeAddressType{
	corev1.NodeHostName,
	corev1.NodeInternalDNS,
	corev1.NodeInternalIP,
	corev1.NodeExternalDNS,
	corev1.NodeExternalIP,
}

// Config is how to reach kubelets.
type Config struct {
	// CAFile verifies kubelets' serving certificates. Empty skips the
	// verification, as kube-apiserver without --kubelet-certificate-authority.
	CAFile string
	// CertFile and KeyFile are the client certificate presented to kubelets.
	CertFile, KeyFile string
	// Port is used when a node reports no kubelet port; 0 means DefaultPort.
	Port int
	// PreferredAddressTypes orders node addresses; nil means
	// DefaultPreferredAddressTypes.
	PreferredAddressTypes []corev1.NodeAddressType
}

// NodeGetter reads a node by name.
type NodeGetter func(ctx context.Context, name string) (*corev1.Node, error)

// ConnectionInfo is how to reach one node's kubelet.
type ConnectionInfo struct {
	Scheme   string
	Hostname string
	Port     string
	// Transport verifies the kubelet's certificate; InsecureTransport does
	// not (pods/log?insecureSkipTLSVerifyBackend=true).
	Transport         http.RoundTripper
	InsecureTransport http.RoundTripper
	// NodeFeatures are the node's status.declaredFeatures.
	NodeFeatures []string
}

// Getter resolves node names to kubelet connections.
type Getter struct {
	nodes     NodeGetter
	port      int
	types     []corev1.NodeAddressType
	transport http.RoundTripper
	insecure  http.RoundTripper
}

// New returns a Getter reading nodes with nodes.
func New(nodes NodeGetter, c Config) (*Getter, error) {
	tc := func(insecure bool) *transport.Config {
		cfg := &transport.Config{TLS: transport.TLSConfig{
			CAFile:   c.CAFile,
			CertFile: c.CertFile,
			KeyFile:  c.KeyFile,
			// Files are read again when they change, as upstream.
			ReloadTLSFiles: true,
		}}
		if insecure || c.CAFile == "" {
			cfg.TLS.Insecure = true
			cfg.TLS.CAFile = ""
		}
		return cfg
	}
	secure, err := transport.New(tc(false))
	if err != nil {
		return nil, fmt.Errorf("kubelet transport: %w", err)
	}
	insecure, err := transport.New(tc(true))
	if err != nil {
		return nil, fmt.Errorf("kubelet transport: %w", err)
	}
	g := &Getter{nodes: nodes, port: c.Port, types: c.PreferredAddressTypes, transport: secure, insecure: insecure}
	if g.port <= 0 {
		g.port = DefaultPort
	}
	if g.types == nil {
		g.types = DefaultPreferredAddressTypes
	}
	return g, nil
}

// Get returns how to reach the kubelet of the node named name. A missing
// node is the node store's NotFound error.
func (g *Getter) Get(ctx context.Context, name string) (*ConnectionInfo, error) {
	node, err := g.nodes(ctx, name)
	if err != nil {
		return nil, err
	}
	host, err := PreferredAddress(node, g.types)
	if err != nil {
		return nil, err
	}
	port := int(node.Status.DaemonEndpoints.KubeletEndpoint.Port)
	if port <= 0 {
		port = g.port
	}
	return &ConnectionInfo{
		Scheme:            "https",
		Hostname:          host,
		Port:              strconv.Itoa(port),
		Transport:         g.transport,
		InsecureTransport: g.insecure,
		NodeFeatures:      node.Status.DeclaredFeatures,
	}, nil
}

// PreferredAddress returns the node's first address of the first type of
// types it has, or upstream's "no preferred addresses found" error.
func PreferredAddress(node *corev1.Node, types []corev1.NodeAddressType) (string, error) {
	for _, t := range types {
		for _, a := range node.Status.Addresses {
			if a.Type == t {
				return a.Address, nil
			}
		}
	}
	return "", fmt.Errorf("no preferred addresses found; known addresses: %v", node.Status.Addresses)
}
