// Package storageversionmigration serves storagemigration.k8s.io/v1 StorageVersionMigration objects (storageversionmigrations).
package storageversionmigration

import (
	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/skiff-k8s/skiff/registry/subresource"
)

// REST is the storageversionmigrations resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the storageversionmigrations storage and its status subresource.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &storagemigrationv1.StorageVersionMigration{} },
		NewListFunc:               func() runtime.Object { return &storagemigrationv1.StorageVersionMigrationList{} },
		DefaultQualifiedResource:  storagemigrationv1.Resource("storageversionmigrations"),
		SingularQualifiedResource: storagemigrationv1.Resource("storageversionmigration"),
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
