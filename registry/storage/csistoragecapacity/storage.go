// Package csistoragecapacity serves storage.k8s.io/v1 CSIStorageCapacity objects (csistoragecapacities).
package csistoragecapacity

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
)

// REST is the csistoragecapacities resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the csistoragecapacities storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &storagev1.CSIStorageCapacity{} },
		NewListFunc:               func() runtime.Object { return &storagev1.CSIStorageCapacityList{} },
		DefaultQualifiedResource:  storagev1.Resource("csistoragecapacities"),
		SingularQualifiedResource: storagev1.Resource("csistoragecapacity"),
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
