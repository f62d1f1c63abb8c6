package rolebinding

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type roleBindingStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of RoleBindings.
var Strategy = roleBindingStrategy{strategy.Namespaced()}

// PrepareForCreate applies the resource's own create rules.
func (roleBindingStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*rbacv1.RoleBinding)
	prepareForCreate(o)
}

// PrepareForUpdate applies the resource's own update rules.
func (roleBindingStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*rbacv1.RoleBinding), oldObj.(*rbacv1.RoleBinding)
	prepareForUpdate(o, old)
}

func (roleBindingStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*rbacv1.RoleBinding))
}

func (roleBindingStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*rbacv1.RoleBinding), old.(*rbacv1.RoleBinding))
}
