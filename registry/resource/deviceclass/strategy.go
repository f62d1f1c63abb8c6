package deviceclass

import (
	"context"

	resourcev1 "k8s.io/api/resource/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type deviceClassStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of DeviceClasss.
var Strategy = deviceClassStrategy{strategy.Cluster()}

// PrepareForCreate starts the generation at 1.
func (deviceClassStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*resourcev1.DeviceClass)
	o.Generation = 1
	prepareForCreate(o)
}

// PrepareForUpdate bumps the generation when spec changes.
func (deviceClassStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*resourcev1.DeviceClass), oldObj.(*resourcev1.DeviceClass)
	if !apiequality.Semantic.DeepEqual(o.Spec, old.Spec) {
		o.Generation = old.Generation + 1
	}
	prepareForUpdate(o, old)
}

func (deviceClassStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*resourcev1.DeviceClass))
}

func (deviceClassStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*resourcev1.DeviceClass), old.(*resourcev1.DeviceClass))
}
