package resourceslice

import (
	"context"

	resourcev1 "k8s.io/api/resource/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type resourceSliceStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of ResourceSlices.
var Strategy = resourceSliceStrategy{strategy.Cluster()}

// PrepareForCreate starts the generation at 1.
func (resourceSliceStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*resourcev1.ResourceSlice)
	o.Generation = 1
	prepareForCreate(o)
}

// PrepareForUpdate bumps the generation when spec changes.
func (resourceSliceStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*resourcev1.ResourceSlice), oldObj.(*resourcev1.ResourceSlice)
	if !apiequality.Semantic.DeepEqual(o.Spec, old.Spec) {
		o.Generation = old.Generation + 1
	}
	prepareForUpdate(o, old)
}

func (resourceSliceStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*resourcev1.ResourceSlice))
}

func (resourceSliceStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*resourcev1.ResourceSlice), old.(*resourcev1.ResourceSlice))
}
