package storageclass

import (
	"context"

	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type storageClassStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of StorageClasss.
var Strategy = storageClassStrategy{strategy.Cluster()}

// PrepareForCreate applies the resource's own create rules.
func (storageClassStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*storagev1.StorageClass)
	prepareForCreate(o)
}

// PrepareForUpdate applies the resource's own update rules.
func (storageClassStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*storagev1.StorageClass), oldObj.(*storagev1.StorageClass)
	prepareForUpdate(o, old)
}

func (storageClassStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*storagev1.StorageClass))
}

func (storageClassStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*storagev1.StorageClass), old.(*storagev1.StorageClass))
}
