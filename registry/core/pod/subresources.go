package pod

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/proxy"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/filters"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	translator "k8s.io/apiserver/pkg/util/proxy"
	"k8s.io/streaming/pkg/httpstream/wsstream"

	"github.com/skiff-k8s/skiff/registry/core/kubeletclient"
)

// upgradeMethods are exec's, attach's and portforward's: POST for SPDY,
// GET for WebSockets.
var upgradeMethods = []string{"GET", "POST"}

// proxyMethods are the methods pods/proxy forwards.
var proxyMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// websocketsFeature is the node feature (status.declaredFeatures) of a
// kubelet that speaks WebSockets itself: requests then go to it unchanged
// instead of being translated to SPDY here.
const websocketsFeature = "ExtendWebSocketsToKubelet"

// StreamREST holds what exec, attach and portforward need.
type StreamREST struct {
	Pods     Getter
	Kubelets Kubelets
	// Authorizer checks the "create" verb on WebSocket (GET) requests,
	// as upstream's AuthorizePodWebsocketUpgradeCreatePermission.
	Authorizer authorizer.Authorizer
}

func (r *StreamREST) Destroy()                 {}
func (r *StreamREST) ConnectMethods() []string { return upgradeMethods }

// authorizeCreate makes a GET (WebSocket) request need the "create" verb
// a POST (SPDY) request is authorized with, so RBAC rules granting only
// "get" on pods/exec do not open a shell.
func (r *StreamREST) authorizeCreate(ctx context.Context) error {
	info, ok := genericapirequest.RequestInfoFrom(ctx)
	if !ok {
		return apierrors.NewInternalError(errors.New("no request info in context"))
	}
	if info.Verb == "create" {
		return nil
	}
	if r.Authorizer == nil {
		return apierrors.NewInternalError(errors.New("no authorizer available"))
	}
	attrs, err := filters.GetAuthorizerAttributes(ctx)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("error building authorizer attributes: %w", err))
	}
	decision, reason, err := r.Authorizer.Authorize(ctx, createVerb{attrs})
	if err != nil {
		return err
	}
	if decision != authorizer.DecisionAllow {
		return apierrors.NewForbidden(schema.GroupResource{Group: info.APIGroup, Resource: info.Resource}, info.Name, errors.New(reason))
	}
	return nil
}

type createVerb struct{ authorizer.Attributes }

func (createVerb) GetVerb() string { return "create" }

// streamHandler proxies to the kubelet (SPDY upgrades pass through) and,
// unless the kubelet speaks WebSockets itself, answers WebSocket requests
// by translating them to SPDY towards the kubelet, as kube-apiserver does.
func streamHandler(location *url.URL, info *kubeletclient.ConnectionInfo, responder rest.Responder, translate func(http.Handler) http.Handler) http.Handler {
	h := proxy.NewUpgradeAwareHandler(location, info.Transport, false, true, proxy.NewErrorResponder(responder))
	if slices.Contains(info.NodeFeatures, websocketsFeature) {
		return h
	}
	return translate(h)
}

// ExecREST is pods/exec.
type ExecREST struct{ StreamREST }

var _ rest.Connecter = &ExecREST{}

func (r *ExecREST) New() runtime.Object { return &corev1.PodExecOptions{} }
func (r *ExecREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.PodExecOptions{}, false, ""
}

// Connect returns the handler of one exec request.
func (r *ExecREST) Connect(ctx context.Context, name string, opts runtime.Object, responder rest.Responder) (http.Handler, error) {
	if err := r.authorizeCreate(ctx); err != nil {
		return nil, err
	}
	o, ok := opts.(*corev1.PodExecOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %#v", opts)
	}
	location, info, err := ExecLocation(ctx, r.Pods, r.Kubelets, name, o)
	if err != nil {
		return nil, err
	}
	streams := translator.Options{Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr, Tty: o.TTY}
	return streamHandler(location, info, responder, remoteCommandTranslator(location, info, streams)), nil
}

// AttachREST is pods/attach.
type AttachREST struct{ StreamREST }

var _ rest.Connecter = &AttachREST{}

func (r *AttachREST) New() runtime.Object { return &corev1.PodAttachOptions{} }
func (r *AttachREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.PodAttachOptions{}, false, ""
}

// Connect returns the handler of one attach request.
func (r *AttachREST) Connect(ctx context.Context, name string, opts runtime.Object, responder rest.Responder) (http.Handler, error) {
	if err := r.authorizeCreate(ctx); err != nil {
		return nil, err
	}
	o, ok := opts.(*corev1.PodAttachOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %#v", opts)
	}
	location, info, err := AttachLocation(ctx, r.Pods, r.Kubelets, name, o)
	if err != nil {
		return nil, err
	}
	streams := translator.Options{Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr, Tty: o.TTY}
	return streamHandler(location, info, responder, remoteCommandTranslator(location, info, streams)), nil
}

// remoteCommandTranslator serves v5.channel.k8s.io WebSocket requests
// (kubectl's default for exec and attach) as an SPDY client of the kubelet.
func remoteCommandTranslator(location *url.URL, info *kubeletclient.ConnectionInfo, streams translator.Options) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		ws := translator.NewStreamTranslatorHandler(location, info.Transport, 0, streams)
		return translator.NewTranslatingHandler(h, ws, wsstream.IsWebSocketRequestWithStreamCloseProtocol)
	}
}

// PortForwardREST is pods/portforward.
type PortForwardREST struct{ StreamREST }

var _ rest.Connecter = &PortForwardREST{}

func (r *PortForwardREST) New() runtime.Object { return &corev1.PodPortForwardOptions{} }
func (r *PortForwardREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.PodPortForwardOptions{}, false, ""
}

// Connect returns the handler of one port-forward request. WebSocket
// requests of the tunneling protocol (kubectl's default) are served by
// tunneling SPDY through the WebSocket to the kubelet.
func (r *PortForwardREST) Connect(ctx context.Context, name string, opts runtime.Object, responder rest.Responder) (http.Handler, error) {
	if err := r.authorizeCreate(ctx); err != nil {
		return nil, err
	}
	o, ok := opts.(*corev1.PodPortForwardOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %#v", opts)
	}
	location, info, err := PortForwardLocation(ctx, r.Pods, r.Kubelets, name, o)
	if err != nil {
		return nil, err
	}
	return streamHandler(location, info, responder, func(h http.Handler) http.Handler {
		return translator.NewTranslatingHandler(h, translator.NewTunnelingHandler(h), wsstream.IsWebSocketRequestWithTunnelingProtocol)
	}), nil
}

// ProxyTransport reaches pods and services by IP: their certificates, if
// any, cannot name the IP, so they are not verified (kube-apiserver's
// proxy transport).
func ProxyTransport() *http.Transport {
	return utilnet.SetTransportDefaults(&http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}})
}

// ProxyREST is pods/proxy: requests go to the pod's IP over plain HTTP (or
// the scheme the name gives, "https:pod:443").
type ProxyREST struct {
	Pods Getter
	// Transport reaches pods (ProxyTransport).
	Transport http.RoundTripper
}

var _ rest.Connecter = &ProxyREST{}

func (r *ProxyREST) New() runtime.Object      { return &corev1.PodProxyOptions{} }
func (r *ProxyREST) Destroy()                 {}
func (r *ProxyREST) ConnectMethods() []string { return proxyMethods }
func (r *ProxyREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.PodProxyOptions{}, true, "path"
}

// Connect returns the handler proxying one request to the pod.
func (r *ProxyREST) Connect(ctx context.Context, id string, opts runtime.Object, responder rest.Responder) (http.Handler, error) {
	o, ok := opts.(*corev1.PodProxyOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %#v", opts)
	}
	location, err := ProxyLocation(ctx, r.Pods, id)
	if err != nil {
		return nil, err
	}
	location.Path = utilnet.JoinPreservingTrailingSlash(location.Path, o.Path)
	return proxy.NewUpgradeAwareHandler(location, r.Transport, true, false, proxy.NewErrorResponder(responder)), nil
}
