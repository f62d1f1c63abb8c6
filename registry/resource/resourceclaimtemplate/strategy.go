package resourceclaimtemplate

import (
	"context"

	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type resourceClaimTemplateStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of ResourceClaimTemplates.
var Strategy = resourceClaimTemplateStrategy{strategy.Namespaced()}

// PrepareForCreate applies the resource's own create rules.
func (resourceClaimTemplateStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*resourcev1.ResourceClaimTemplate)
	prepareForCreate(o)
}

// PrepareForUpdate applies the resource's own update rules.
func (resourceClaimTemplateStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*resourcev1.ResourceClaimTemplate), oldObj.(*resourcev1.ResourceClaimTemplate)
	prepareForUpdate(o, old)
}

func (resourceClaimTemplateStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*resourcev1.ResourceClaimTemplate))
}

func (resourceClaimTemplateStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*resourcev1.ResourceClaimTemplate), old.(*resourcev1.ResourceClaimTemplate))
}
