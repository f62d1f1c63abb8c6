package clusterrolebinding

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type clusterRoleBindingStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of ClusterRoleBindings.
var Strategy = clusterRoleBindingStrategy{strategy.Cluster()}

// PrepareForCreate applies the resource's own create rules.
func (clusterRoleBindingStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*rbacv1.ClusterRoleBinding)
	prepareForCreate(o)
}

// PrepareForUpdate applies the resource's own update rules.
func (clusterRoleBindingStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*rbacv1.ClusterRoleBinding), oldObj.(*rbacv1.ClusterRoleBinding)
	prepareForUpdate(o, old)
}

func (clusterRoleBindingStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*rbacv1.ClusterRoleBinding))
}

func (clusterRoleBindingStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*rbacv1.ClusterRoleBinding), old.(*rbacv1.ClusterRoleBinding))
}
