package apiserver

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/core/configmap"
	coreevent "github.com/skiff-k8s/skiff/registry/core/event"
	"github.com/skiff-k8s/skiff/registry/core/namespace"
	"github.com/skiff-k8s/skiff/registry/core/secret"
	"github.com/skiff-k8s/skiff/registry/core/serviceaccount"
)

func init() { serve(corev1.SchemeGroupVersion, coreV1) }

// coreExtra lets other group_core_*.go files add core/v1 resources without
// editing this file: each appends a function that adds its resources.
var coreExtra []func(d deps, s *storageMap)

func coreV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	cm, err := configmap.NewREST(d.opts)
	s.add("configmaps", cm, err)
	sec, err := secret.NewREST(d.opts)
	s.add("secrets", sec, err)
	sa, err := serviceaccount.NewREST(d.opts)
	s.add("serviceaccounts", sa, err)
	ev, err := coreevent.NewREST(d.opts)
	s.add("events", ev, err)
	ns, nsStatus, nsFinalize, err := namespace.NewREST(d.opts)
	s.add("namespaces", ns, err)
	s.add("namespaces/status", nsStatus, err)
	s.add("namespaces/finalize", nsFinalize, err)
	for _, f := range coreExtra {
		f(d, s)
	}
	return s.done()
}
