package csistoragecapacity

import (
	"context"

	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type cSIStorageCapacityStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of CSIStorageCapacitys.
var Strategy = cSIStorageCapacityStrategy{strategy.Namespaced()}

// PrepareForCreate applies the resource's own create rules.
func (cSIStorageCapacityStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*storagev1.CSIStorageCapacity)
	prepareForCreate(o)
}

// PrepareForUpdate applies the resource's own update rules.
func (cSIStorageCapacityStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*storagev1.CSIStorageCapacity), oldObj.(*storagev1.CSIStorageCapacity)
	prepareForUpdate(o, old)
}

func (cSIStorageCapacityStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*storagev1.CSIStorageCapacity))
}

func (cSIStorageCapacityStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*storagev1.CSIStorageCapacity), old.(*storagev1.CSIStorageCapacity))
}
