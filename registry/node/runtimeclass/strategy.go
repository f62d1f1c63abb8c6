package runtimeclass

import (
	"context"

	nodev1 "k8s.io/api/node/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type runtimeClassStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of RuntimeClasss.
var Strategy = runtimeClassStrategy{strategy.Cluster()}

// PrepareForCreate applies the resource's own create rules.
func (runtimeClassStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*nodev1.RuntimeClass)
	prepareForCreate(o)
}

// PrepareForUpdate applies the resource's own update rules.
func (runtimeClassStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*nodev1.RuntimeClass), oldObj.(*nodev1.RuntimeClass)
	prepareForUpdate(o, old)
}

func (runtimeClassStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*nodev1.RuntimeClass))
}

func (runtimeClassStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*nodev1.RuntimeClass), old.(*nodev1.RuntimeClass))
}
