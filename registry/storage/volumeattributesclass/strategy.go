package volumeattributesclass

import (
	"context"

	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type volumeAttributesClassStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of VolumeAttributesClasss.
var Strategy = volumeAttributesClassStrategy{strategy.Cluster()}

// PrepareForCreate applies the resource's own create rules.
func (volumeAttributesClassStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*storagev1.VolumeAttributesClass)
	prepareForCreate(o)
}

// PrepareForUpdate applies the resource's own update rules.
func (volumeAttributesClassStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*storagev1.VolumeAttributesClass), oldObj.(*storagev1.VolumeAttributesClass)
	prepareForUpdate(o, old)
}

func (volumeAttributesClassStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*storagev1.VolumeAttributesClass))
}

func (volumeAttributesClassStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*storagev1.VolumeAttributesClass), old.(*storagev1.VolumeAttributesClass))
}
