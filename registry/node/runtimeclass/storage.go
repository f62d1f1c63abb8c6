// Package runtimeclass serves node.k8s.io/v1 RuntimeClass objects (runtimeclasses).
package runtimeclass

import (
	nodev1 "k8s.io/api/node/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
)

// REST is the runtimeclasses resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the runtimeclasses storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &nodev1.RuntimeClass{} },
		NewListFunc:               func() runtime.Object { return &nodev1.RuntimeClassList{} },
		DefaultQualifiedResource:  nodev1.Resource("runtimeclasses"),
		SingularQualifiedResource: nodev1.Resource("runtimeclass"),
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
