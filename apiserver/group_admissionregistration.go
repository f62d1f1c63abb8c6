package apiserver

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/admissionregistration/mutatingadmissionpolicy"
	"github.com/skiff-k8s/skiff/registry/admissionregistration/mutatingadmissionpolicybinding"
	"github.com/skiff-k8s/skiff/registry/admissionregistration/mutatingwebhookconfiguration"
	"github.com/skiff-k8s/skiff/registry/admissionregistration/validatingadmissionpolicy"
	"github.com/skiff-k8s/skiff/registry/admissionregistration/validatingadmissionpolicybinding"
	"github.com/skiff-k8s/skiff/registry/admissionregistration/validatingwebhookconfiguration"
)

func init() { serve(admissionregistrationv1.SchemeGroupVersion, admissionregistrationV1) }

func admissionregistrationV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	vwc, err := validatingwebhookconfiguration.NewREST(d.opts)
	s.add("validatingwebhookconfigurations", vwc, err)
	mwc, err := mutatingwebhookconfiguration.NewREST(d.opts)
	s.add("mutatingwebhookconfigurations", mwc, err)
	vap, vapStatus, err := validatingadmissionpolicy.NewREST(d.opts)
	s.add("validatingadmissionpolicies", vap, err)
	s.add("validatingadmissionpolicies/status", vapStatus, err)
	vapb, err := validatingadmissionpolicybinding.NewREST(d.opts)
	s.add("validatingadmissionpolicybindings", vapb, err)
	map_, err := mutatingadmissionpolicy.NewREST(d.opts)
	s.add("mutatingadmissionpolicies", map_, err)
	mapb, err := mutatingadmissionpolicybinding.NewREST(d.opts)
	s.add("mutatingadmissionpolicybindings", mapb, err)
	return s.done()
}
