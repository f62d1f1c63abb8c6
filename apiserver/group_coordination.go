package apiserver

import (
	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/coordination/lease"
)

func init() { serve(coordinationv1.SchemeGroupVersion, coordinationV1) }

func coordinationV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	l, err := lease.NewREST(d.opts)
	s.add("leases", l, err)
	return s.done()
}
