// Package csidriver serves storage.k8s.io/v1 CSIDriver objects (csidrivers).
package csidriver

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
)

// REST is the csidrivers resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the csidrivers storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &storagev1.CSIDriver{} },
		NewListFunc:               func() runtime.Object { return &storagev1.CSIDriverList{} },
		DefaultQualifiedResource:  storagev1.Resource("csidrivers"),
		SingularQualifiedResource: storagev1.Resource("csidriver"),
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
