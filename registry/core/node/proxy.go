package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/proxy"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/core/kubeletclient"
)

// Kubelets finds how to reach the kubelet of a node.
type Kubelets interface {
	Get(ctx context.Context, nodeName string) (*kubeletclient.ConnectionInfo, error)
}

// ProxyREST is nodes/proxy: requests go to the node's kubelet (or, for
// "name:port" other than the kubelet's, to that port of the node).
type ProxyREST struct {
	Kubelets Kubelets
	// Transport reaches node ports other than the kubelet's.
	Transport http.RoundTripper
	// Proxyable refuses hosts that may not be proxied to; nil is upstream's
	// rule: every address the host resolves to must be global unicast.
	Proxyable func(ctx context.Context, host string) error
}

var _ rest.Connecter = &ProxyREST{}

var proxyMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

func (r *ProxyREST) New() runtime.Object      { return &corev1.NodeProxyOptions{} }
func (r *ProxyREST) Destroy()                 {}
func (r *ProxyREST) ConnectMethods() []string { return proxyMethods }
func (r *ProxyREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.NodeProxyOptions{}, true, "path"
}

// Connect returns the handler proxying one request to the node.
func (r *ProxyREST) Connect(ctx context.Context, id string, opts runtime.Object, responder rest.Responder) (http.Handler, error) {
	o, ok := opts.(*corev1.NodeProxyOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %#v", opts)
	}
	location, transport, err := r.Location(ctx, id)
	if err != nil {
		return nil, err
	}
	location.Path = utilnet.JoinPreservingTrailingSlash(location.Path, o.Path)
	return proxy.NewUpgradeAwareHandler(location, transport, true, false, proxy.NewErrorResponder(responder)), nil
}

// Location returns where a nodes/proxy request for id ("name",
// "name:port" or "scheme:name:port") goes and the transport to use: the
// kubelet over HTTPS with the kubelet client certificate when no port or
// the kubelet's port is asked, else the asked scheme and port.
func (r *ProxyREST) Location(ctx context.Context, id string) (*url.URL, http.RoundTripper, error) {
	scheme, name, port, ok := utilnet.SplitSchemeNamePort(id)
	if !ok {
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("invalid node request %q", id))
	}
	info, err := r.Kubelets.Get(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	proxyable := r.Proxyable
	if proxyable == nil {
		proxyable = globalUnicast
	}
	if err := proxyable(ctx, info.Hostname); err != nil {
		return nil, nil, apierrors.NewBadRequest(err.Error())
	}
	if port == "" || port == info.Port {
		return &url.URL{Scheme: info.Scheme, Host: net.JoinHostPort(info.Hostname, info.Port)}, info.Transport, nil
	}
	return &url.URL{Scheme: scheme, Host: net.JoinHostPort(info.Hostname, port)}, r.Transport, nil
}

func globalUnicast(ctx context.Context, host string) error {
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return errors.New("no addresses for hostname")
	}
	for _, a := range addrs {
		if !a.IP.IsGlobalUnicast() {
			return errors.New("address not allowed")
		}
	}
	return nil
}
