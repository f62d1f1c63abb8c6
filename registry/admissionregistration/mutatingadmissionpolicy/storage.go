// Package mutatingadmissionpolicy serves admissionregistration.k8s.io/v1 MutatingAdmissionPolicy objects (mutatingadmissionpolicies).
package mutatingadmissionpolicy

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
)

// REST is the mutatingadmissionpolicies resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the mutatingadmissionpolicies storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &admissionregistrationv1.MutatingAdmissionPolicy{} },
		NewListFunc:               func() runtime.Object { return &admissionregistrationv1.MutatingAdmissionPolicyList{} },
		DefaultQualifiedResource:  admissionregistrationv1.Resource("mutatingadmissionpolicies"),
		SingularQualifiedResource: admissionregistrationv1.Resource("mutatingadmissionpolicy"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}

var _ rest.CategoriesProvider = &REST{}

// Categories implements rest.CategoriesProvider.
func (*REST) Categories() []string { return []string{"api-extensions"} }
