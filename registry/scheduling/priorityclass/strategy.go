package priorityclass

import (
	"context"

	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type priorityClassStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of PriorityClasss.
var Strategy = priorityClassStrategy{strategy.Cluster()}

// PrepareForCreate starts the generation at 1.
func (priorityClassStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*schedulingv1.PriorityClass)
	o.Generation = 1
	prepareForCreate(o)
}

// PrepareForUpdate applies the resource's own update rules.
func (priorityClassStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*schedulingv1.PriorityClass), oldObj.(*schedulingv1.PriorityClass)
	prepareForUpdate(o, old)
}

func (priorityClassStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*schedulingv1.PriorityClass))
}

func (priorityClassStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*schedulingv1.PriorityClass), old.(*schedulingv1.PriorityClass))
}
