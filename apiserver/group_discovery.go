package apiserver

import (
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/discovery/endpointslice"
)

func init() { serve(discoveryv1.SchemeGroupVersion, discoveryV1) }

func discoveryV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	es, err := endpointslice.NewREST(d.opts)
	s.add("endpointslices", es, err)
	return s.done()
}
