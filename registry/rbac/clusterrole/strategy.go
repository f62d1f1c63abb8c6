package clusterrole

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type clusterRoleStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of ClusterRoles.
var Strategy = clusterRoleStrategy{strategy.Cluster()}

// PrepareForCreate applies the resource's own create rules.
func (clusterRoleStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*rbacv1.ClusterRole)
	prepareForCreate(o)
}

// PrepareForUpdate applies the resource's own update rules.
func (clusterRoleStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*rbacv1.ClusterRole), oldObj.(*rbacv1.ClusterRole)
	prepareForUpdate(o, old)
}

func (clusterRoleStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*rbacv1.ClusterRole))
}

func (clusterRoleStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*rbacv1.ClusterRole), old.(*rbacv1.ClusterRole))
}
