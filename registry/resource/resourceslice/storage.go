// Package resourceslice serves resource.k8s.io/v1 ResourceSlice objects (resourceslices).
package resourceslice

import (
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
)

// REST is the resourceslices resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the resourceslices storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &resourcev1.ResourceSlice{} },
		NewListFunc:               func() runtime.Object { return &resourcev1.ResourceSliceList{} },
		DefaultQualifiedResource:  resourcev1.Resource("resourceslices"),
		SingularQualifiedResource: resourcev1.Resource("resourceslice"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		ReturnDeletedObject:       true,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}
