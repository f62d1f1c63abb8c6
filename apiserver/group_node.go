package apiserver

import (
	nodev1 "k8s.io/api/node/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/node/runtimeclass"
)

func init() { serve(nodev1.SchemeGroupVersion, nodeV1) }

func nodeV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	rc, err := runtimeclass.NewREST(d.opts)
	s.add("runtimeclasses", rc, err)
	return s.done()
}
