package apiserver

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"

	"github.com/skiff-k8s/skiff/registry/core/componentstatus"
	"github.com/skiff-k8s/skiff/registry/core/endpoints"
	"github.com/skiff-k8s/skiff/registry/core/limitrange"
	"github.com/skiff-k8s/skiff/registry/core/node"
	"github.com/skiff-k8s/skiff/registry/core/persistentvolume"
	"github.com/skiff-k8s/skiff/registry/core/persistentvolumeclaim"
	"github.com/skiff-k8s/skiff/registry/core/pod"
	"github.com/skiff-k8s/skiff/registry/core/resourcequota"
	"github.com/skiff-k8s/skiff/registry/core/service"
)

func init() { coreExtra = append(coreExtra, coreServices) }

// coreServices adds the core/v1 resources of services, networking, nodes,
// volumes and quotas.
func coreServices(d deps, s *storageMap) {
	svc, svcStatus, err := service.NewREST(d.opts)
	s.add("services", svc, err)
	s.add("services/status", svcStatus, err)
	ep, err := endpoints.NewREST(d.opts)
	s.add("endpoints", ep, err)
	no, noStatus, err := node.NewREST(d.opts)
	s.add("nodes", no, err)
	s.add("nodes/status", noStatus, err)
	s.add("nodes/proxy", &node.ProxyREST{Kubelets: d.kubelets, Transport: pod.ProxyTransport()}, err)
	if err == nil {
		d.nodes.store = no.Store
	}
	pv, pvStatus, err := persistentvolume.NewREST(d.opts)
	s.add("persistentvolumes", pv, err)
	s.add("persistentvolumes/status", pvStatus, err)
	pvc, pvcStatus, err := persistentvolumeclaim.NewREST(d.opts)
	s.add("persistentvolumeclaims", pvc, err)
	s.add("persistentvolumeclaims/status", pvcStatus, err)
	lr, err := limitrange.NewREST(d.opts)
	s.add("limitranges", lr, err)
	rq, rqStatus, err := resourcequota.NewREST(d.opts)
	s.add("resourcequotas", rq, err)
	s.add("resourcequotas/status", rqStatus, err)
	s.add("componentstatuses", componentstatus.NewREST(), nil)
}

// bootstrapKubernetesService is a post-start hook creating the default
// ServiceCIDR and the default/kubernetes Service (with its Endpoints and
// EndpointSlice when the advertised address is routable), as
// kube-apiserver's bootstrap controller does. It retries until the default
// namespace exists.
func (s *Server) bootstrapKubernetesService(hook genericapiserver.PostStartHookContext) error {
	client, err := kubernetes.NewForConfig(s.Loopback)
	if err != nil {
		return err
	}
	public, port, err := s.advertised()
	if err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(hook, 20*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := service.EnsureKubernetesService(ctx, client, public, port); err != nil {
			fmt.Printf("skiff: creating the kubernetes service: %v (retrying)\n", err)
			return false, nil
		}
		return true, nil
	})
}

// advertised returns the address and port the API server advertises.
func (s *Server) advertised() (netip.Addr, int32, error) {
	hostport := ""
	if s.Generic != nil {
		hostport = s.Generic.ExternalAddress
	}
	if hostport == "" {
		u, err := url.Parse(s.URL)
		if err != nil {
			return netip.Addr{}, 0, err
		}
		hostport = u.Host
	}
	host, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		return netip.Addr{}, 0, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return netip.Addr{}, 0, err
	}
	addr, _ := netip.ParseAddr(host)
	return addr, int32(port), nil
}
