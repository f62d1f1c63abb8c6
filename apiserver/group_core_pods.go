package apiserver

import (
	"github.com/skiff-k8s/skiff/registry/core/pod"
	"github.com/skiff-k8s/skiff/registry/core/podtemplate"
	"github.com/skiff-k8s/skiff/registry/core/replicationcontroller"
)

func init() { coreExtra = append(coreExtra, corePods) }

// corePods adds pods (with binding, eviction, status, ephemeralcontainers,
// resize, log, exec, attach, portforward and proxy), bindings, podtemplates
// and replicationcontrollers to core/v1.
func corePods(d deps, s *storageMap) {
	p, err := pod.NewREST(d.opts, d.kubelets, d.authorizer)
	s.add("pods", p.Pod, err)
	s.add("pods/status", p.Status, err)
	s.add("pods/binding", p.Binding, err)
	s.add("pods/eviction", p.Eviction, err)
	s.add("pods/ephemeralcontainers", p.EphemeralContainers, err)
	s.add("pods/resize", p.Resize, err)
	s.add("pods/log", p.Log, err)
	s.add("pods/exec", p.Exec, err)
	s.add("pods/attach", p.Attach, err)
	s.add("pods/portforward", p.PortForward, err)
	s.add("pods/proxy", p.Proxy, err)
	s.add("bindings", p.LegacyBinding, err)
	pt, err := podtemplate.NewREST(d.opts)
	s.add("podtemplates", pt, err)
	rc, rcStatus, rcScale, err := replicationcontroller.NewREST(d.opts)
	s.add("replicationcontrollers", rc, err)
	s.add("replicationcontrollers/status", rcStatus, err)
	s.add("replicationcontrollers/scale", rcScale, err)
}
