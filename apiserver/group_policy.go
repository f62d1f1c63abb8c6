package apiserver

import (
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/policy/poddisruptionbudget"
)

func init() { serve(policyv1.SchemeGroupVersion, policyV1) }

func policyV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	pdb, pdbStatus, err := poddisruptionbudget.NewREST(d.opts)
	s.add("poddisruptionbudgets", pdb, err)
	s.add("poddisruptionbudgets/status", pdbStatus, err)
	return s.done()
}
