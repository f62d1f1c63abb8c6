// Package validatingadmissionpolicy serves admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy objects (validatingadmissionpolicies).
package validatingadmissionpolicy

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/subresource"
)

// REST is the validatingadmissionpolicies resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the validatingadmissionpolicies storage and its status subresource.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &admissionregistrationv1.ValidatingAdmissionPolicy{} },
		NewListFunc:               func() runtime.Object { return &admissionregistrationv1.ValidatingAdmissionPolicyList{} },
		DefaultQualifiedResource:  admissionregistrationv1.Resource("validatingadmissionpolicies"),
		SingularQualifiedResource: admissionregistrationv1.Resource("validatingadmissionpolicy"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		ResetFieldsStrategy:       Strategy,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, nil, err
	}
	return &REST{store}, subresource.NewStatus(store, StatusStrategy), nil
}

var _ rest.CategoriesProvider = &REST{}

// Categories implements rest.CategoriesProvider.
func (*REST) Categories() []string { return []string{"api-extensions"} }
