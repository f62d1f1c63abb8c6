// Package validatingadmissionpolicybinding serves admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding objects (validatingadmissionpolicybindings).
package validatingadmissionpolicybinding

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
)

// REST is the validatingadmissionpolicybindings resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the validatingadmissionpolicybindings storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &admissionregistrationv1.ValidatingAdmissionPolicyBinding{} },
		NewListFunc:               func() runtime.Object { return &admissionregistrationv1.ValidatingAdmissionPolicyBindingList{} },
		DefaultQualifiedResource:  admissionregistrationv1.Resource("validatingadmissionpolicybindings"),
		SingularQualifiedResource: admissionregistrationv1.Resource("validatingadmissionpolicybinding"),
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
