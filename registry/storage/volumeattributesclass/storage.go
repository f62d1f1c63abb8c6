// Package volumeattributesclass serves storage.k8s.io/v1 VolumeAttributesClass objects (volumeattributesclasses).
package volumeattributesclass

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
)

// REST is the volumeattributesclasses resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the volumeattributesclasses storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &storagev1.VolumeAttributesClass{} },
		NewListFunc:               func() runtime.Object { return &storagev1.VolumeAttributesClassList{} },
		DefaultQualifiedResource:  storagev1.Resource("volumeattributesclasses"),
		SingularQualifiedResource: storagev1.Resource("volumeattributesclass"),
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

var _ rest.ShortNamesProvider = &REST{}

// ShortNames implements rest.ShortNamesProvider.
func (*REST) ShortNames() []string { return []string{"vac"} }
