package role

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type roleStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of Roles.
var Strategy = roleStrategy{strategy.Namespaced()}

// PrepareForCreate applies the resource's own create rules.
func (roleStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*rbacv1.Role)
	prepareForCreate(o)
}

// PrepareForUpdate applies the resource's own update rules.
func (roleStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*rbacv1.Role), oldObj.(*rbacv1.Role)
	prepareForUpdate(o, old)
}

func (roleStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*rbacv1.Role))
}

func (roleStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*rbacv1.Role), old.(*rbacv1.Role))
}
