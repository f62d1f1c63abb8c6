// Package volumeattachment serves storage.k8s.io/v1 VolumeAttachment objects (volumeattachments).
package volumeattachment

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/skiff-k8s/skiff/registry/subresource"
)

// REST is the volumeattachments resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the volumeattachments storage and its status subresource.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &storagev1.VolumeAttachment{} },
		NewListFunc:               func() runtime.Object { return &storagev1.VolumeAttachmentList{} },
		DefaultQualifiedResource:  storagev1.Resource("volumeattachments"),
		SingularQualifiedResource: storagev1.Resource("volumeattachment"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		ResetFieldsStrategy:       Strategy,
		ReturnDeletedObject:       true,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, nil, err
	}
	return &REST{store}, subresource.NewStatus(store, StatusStrategy), nil
}
