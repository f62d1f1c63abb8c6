package csidriver

import (
	"context"

	storagev1 "k8s.io/api/storage/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type cSIDriverStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of CSIDrivers.
var Strategy = cSIDriverStrategy{strategy.Cluster()}

// PrepareForCreate leaves metadata.generation unset, as upstream does (only
// updates of the spec bump it).
func (cSIDriverStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	prepareForCreate(obj.(*storagev1.CSIDriver))
}

// PrepareForUpdate bumps the generation when spec changes.
func (cSIDriverStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*storagev1.CSIDriver), oldObj.(*storagev1.CSIDriver)
	if !apiequality.Semantic.DeepEqual(o.Spec, old.Spec) {
		o.Generation = old.Generation + 1
	}
	prepareForUpdate(o, old)
}

func (cSIDriverStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*storagev1.CSIDriver))
}

func (cSIDriverStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*storagev1.CSIDriver), old.(*storagev1.CSIDriver))
}
