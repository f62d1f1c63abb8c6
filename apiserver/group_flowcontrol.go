package apiserver

import (
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/flowcontrol/flowschema"
	"github.com/skiff-k8s/skiff/registry/flowcontrol/prioritylevelconfiguration"
)

func init() { serve(flowcontrolv1.SchemeGroupVersion, flowcontrolV1) }

func flowcontrolV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	fs, fsStatus, err := flowschema.NewREST(d.opts)
	s.add("flowschemas", fs, err)
	s.add("flowschemas/status", fsStatus, err)
	pl, plStatus, err := prioritylevelconfiguration.NewREST(d.opts)
	s.add("prioritylevelconfigurations", pl, err)
	s.add("prioritylevelconfigurations/status", plStatus, err)
	return s.done()
}
