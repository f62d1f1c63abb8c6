// Package resourceclaimtemplate serves resource.k8s.io/v1 ResourceClaimTemplate objects (resourceclaimtemplates).
package resourceclaimtemplate

import (
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
)

// REST is the resourceclaimtemplates resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the resourceclaimtemplates storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &resourcev1.ResourceClaimTemplate{} },
		NewListFunc:               func() runtime.Object { return &resourcev1.ResourceClaimTemplateList{} },
		DefaultQualifiedResource:  resourcev1.Resource("resourceclaimtemplates"),
		SingularQualifiedResource: resourcev1.Resource("resourceclaimtemplate"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		ReturnDeletedObject:       true,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}
