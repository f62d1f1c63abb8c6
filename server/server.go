// Package server starts a whole skiff control plane in-process: certificates,
// embedded (or external) etcd, the API server and the controllers. `skiff
// server` and the integration tests both use it.
package server

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/client-go/kubernetes"
	restclient "k8s.io/client-go/rest"

	"github.com/skiff-k8s/skiff/apiserver"
	"github.com/skiff-k8s/skiff/config"
	"github.com/skiff-k8s/skiff/controllers"
	"github.com/skiff-k8s/skiff/etcd"
	"github.com/skiff-k8s/skiff/kubelet"
	"github.com/skiff-k8s/skiff/pki"
	"github.com/skiff-k8s/skiff/registry/core/service/ipallocator"
	"github.com/skiff-k8s/skiff/registry/core/service/portallocator"
	"github.com/skiff-k8s/skiff/scheduler"
	"github.com/skiff-k8s/skiff/sim"
)

// Options configure a control plane.
type Options struct {
	DataDir     string
	BindAddress net.IP
	// Port 0 picks a free port.
	Port    int
	TLSSANs []string
	// ExternalEtcd, when it lists servers, replaces the embedded etcd.
	ExternalEtcd  storagebackend.TransportConfig
	EtcdPrefix    string
	UnsafeNoFsync bool
	// ServiceClusterIPRange and ServiceNodePortRange ("first-last") default
	// to 10.96.0.0/12 and 30000-32767.
	ServiceClusterIPRange string
	ServiceNodePortRange  string
	// SchedulerConfig is a KubeSchedulerConfiguration file; empty means
	// the default profile.
	SchedulerConfig string
	// DisableScheduler does not run skiff's scheduler.
	DisableScheduler bool
	// DisableControllers leaves the controllers to a separate process.
	DisableControllers bool
	// SimNodes, when positive, runs that many simulated nodes (package
	// sim, default capacity) once the server is ready.
	SimNodes int
	// Kubelet, when set, runs a kubelet for real pods on this machine.
	Kubelet *KubeletOptions
}

// Running is a started control plane.
type Running struct {
	// URL is the API server's address, https://127.0.0.1:port.
	URL string
	// Kubelet is the node's kubelet when Options.Kubelet asked for one.
	Kubelet *kubelet.Kubelet
	// Kubeconfig is the admin kubeconfig's path.
	Kubeconfig string
	// Loopback is a privileged in-process client config.
	Loopback *restclient.Config
	// Etcd is how the API server reaches etcd.
	Etcd storagebackend.TransportConfig
	done chan struct{}
	err  error
}

// Done is closed when the control plane has stopped (its context ended).
func (r *Running) Done() <-chan struct{} { return r.done }

// Err is why it stopped; valid after Done.
func (r *Running) Err() error { return r.err }

// Start brings a control plane up and returns once /readyz is ok. It stops
// when ctx ends.
func Start(ctx context.Context, o Options) (*Running, error) {
	if err := applyServiceRanges(o); err != nil {
		return nil, err
	}
	sanIPs := ips(o.TLSSANs)
	if host := advertiseAddress(o.BindAddress); host != nil && !host.IsLoopback() {
		sanIPs = append(sanIPs, host)
	}
	certs, err := pki.Ensure(filepath.Join(o.DataDir, "pki"), dnsNames(o.TLSSANs), sanIPs)
	if err != nil {
		return nil, err
	}
	transport := o.ExternalEtcd
	var embedded *etcd.Embedded
	if len(transport.ServerList) == 0 {
		embedded, err = etcd.Start(ctx, etcd.Options{Dir: filepath.Join(o.DataDir, "etcd"), UnsafeNoFsync: o.UnsafeNoFsync})
		if err != nil {
			return nil, err
		}
		transport = storagebackend.TransportConfig{ServerList: []string{embedded.Endpoint}}
	}
	closeEtcd := func() {
		if embedded != nil {
			embedded.Close()
		}
	}
	api, err := apiserver.New(apiserver.Options{
		BindAddress:   o.BindAddress,
		PublicAddress: advertiseAddress(o.BindAddress),
		Port:          o.Port,
		Certs:         certs,
		Etcd:          transport,
		EtcdPrefix:    o.EtcdPrefix,
	})
	if err != nil {
		closeEtcd()
		return nil, err
	}
	r := &Running{URL: api.URL, Loopback: api.Loopback, Etcd: transport, done: make(chan struct{}), Kubeconfig: config.KubeconfigPath(o.DataDir)}
	// The API server (apiCtx) outlives ctx until the controllers have
	// stopped, so their manager can release its leader Lease and a
	// standby server takes over at once instead of after the lease's 15 s.
	// Controllers, scheduler and simulated nodes run on runCtx.
	apiCtx, stopAPI := context.WithCancel(context.WithoutCancel(ctx))
	runCtx, cancel := context.WithCancel(ctx)
	controllersStopped := make(chan struct{})
	var stoppedOnce sync.Once
	noControllers := func() { stoppedOnce.Do(func() { close(controllersStopped) }) }
	go func() {
		select {
		case <-runCtx.Done():
		case <-r.done:
		}
		cancel()
		select {
		case <-controllersStopped:
		case <-time.After(10 * time.Second):
		}
		stopAPI()
	}()
	go func() {
		defer close(r.done)
		r.err = api.Run(apiCtx)
		cancel()
		closeEtcd()
	}()
	if err := waitReady(runCtx, api.Loopback, r.done); err != nil {
		noControllers()
		cancel()
		<-r.done
		if r.err != nil {
			return nil, r.err
		}
		return nil, err
	}
	// Start-up builds OpenAPI specs, type converters and caches and leaves
	// tens of MB of garbage the next GC cycle would only reclaim much later
	// on an idle server; collect it now and give the pages back.
	go func() {
		time.Sleep(2 * time.Second)
		debug.FreeOSMemory()
	}()
	if o.DisableControllers {
		noControllers()
	} else {
		stopped, err := controllers.Start(runCtx, api.Loopback, controllers.Options{
			ClusterSigningCertFile: certs.CACert(), ClusterSigningKeyFile: certs.CAKey(),
		})
		if err != nil {
			noControllers()
			cancel()
			<-r.done
			return nil, err
		}
		go func() { <-stopped; noControllers() }()
	}
	if o.SimNodes > 0 {
		so := sim.Defaults()
		so.Count = o.SimNodes
		if _, err := sim.Start(runCtx, api.Loopback, so); err != nil {
			cancel()
			<-r.done
			return nil, fmt.Errorf("simulated nodes: %w", err)
		}
	}
	if err := startScheduler(runCtx, api.Loopback, o); err != nil {
		cancel()
		<-r.done
		return nil, err
	}
	if err := pki.WriteKubeconfig(r.Kubeconfig, r.URL, certs); err != nil {
		cancel()
		<-r.done
		return nil, err
	}
	if o.Kubelet != nil {
		if r.Kubelet, err = startKubelet(runCtx, r, o, certs); err != nil {
			cancel()
			<-r.done
			return nil, fmt.Errorf("kubelet: %w", err)
		}
	}
	return r, nil
}

// startScheduler runs skiff's scheduler unless disabled.
func startScheduler(ctx context.Context, cfg *restclient.Config, o Options) error {
	if o.DisableScheduler {
		return nil
	}
	sc := scheduler.DefaultConfig()
	if o.SchedulerConfig != "" {
		var err error
		if sc, err = scheduler.LoadConfig(o.SchedulerConfig); err != nil {
			return fmt.Errorf("--scheduler-config: %w", err)
		}
	}
	_, err := scheduler.Start(ctx, cfg, sc)
	return err
}

func waitReady(ctx context.Context, cfg *restclient.Config, done <-chan struct{}) error {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && string(body) == "ok" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("server did not become ready: %w", ctx.Err())
		case <-done:
			return fmt.Errorf("server stopped before it was ready")
		case <-tick.C:
		}
	}
}

func dnsNames(sans []string) []string {
	names := []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"}
	if h, err := os.Hostname(); err == nil && h != "" {
		names = append(names, h)
	}
	for _, s := range sans {
		if net.ParseIP(s) == nil {
			names = append(names, s)
		}
	}
	return names
}

func ips(sans []string) []net.IP {
	out := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	for _, s := range sans {
		if ip := net.ParseIP(s); ip != nil {
			out = append(out, ip)
		}
	}
	return out
}

// advertiseAddress is the address the API server advertises (discovery,
// the default/kubernetes endpoints): the bind address, or, when bound to
// all interfaces, the host's default-route address, as kube-apiserver
// chooses it.
func advertiseAddress(bind net.IP) net.IP {
	if bind != nil && !bind.IsUnspecified() {
		return bind
	}
	ip, err := utilnet.ResolveBindAddress(bind)
	if err != nil {
		return net.ParseIP("127.0.0.1")
	}
	return ip
}

// applyServiceRanges sets the Service allocation ranges before storage is
// built (the allocators read them then).
func applyServiceRanges(o Options) error {
	if o.ServiceClusterIPRange != "" {
		if _, _, err := net.ParseCIDR(o.ServiceClusterIPRange); err != nil {
			return fmt.Errorf("--service-cluster-ip-range %q: %w", o.ServiceClusterIPRange, err)
		}
		ipallocator.ServiceCIDR = o.ServiceClusterIPRange
	}
	if o.ServiceNodePortRange != "" {
		first, last, ok := strings.Cut(o.ServiceNodePortRange, "-")
		a, errA := strconv.Atoi(strings.TrimSpace(first))
		b, errB := strconv.Atoi(strings.TrimSpace(last))
		if !ok || errA != nil || errB != nil || a < 1 || b > 65535 || b < a {
			return fmt.Errorf("--service-node-port-range %q: want first-last, e.g. 30000-32767", o.ServiceNodePortRange)
		}
		portallocator.Base, portallocator.Size = a, b-a+1
	}
	return nil
}
