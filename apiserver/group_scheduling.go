package apiserver

import (
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/scheduling/priorityclass"
)

func init() { serve(schedulingv1.SchemeGroupVersion, schedulingV1) }

func schedulingV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	pc, err := priorityclass.NewREST(d.opts)
	s.add("priorityclasses", pc, err)
	return s.done()
}
