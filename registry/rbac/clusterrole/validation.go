package clusterrole

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/rbac/rbacvalidation"
)

func prepareForCreate(*rbacv1.ClusterRole)      {}
func prepareForUpdate(_, _ *rbacv1.ClusterRole) {}

// Validate checks the name (a path segment) and the rules as upstream does.
func Validate(o *rbacv1.ClusterRole) field.ErrorList {
	errs := validation.ValidateObjectMeta(&o.ObjectMeta, false, rbacvalidation.ValidateName, field.NewPath("metadata"))
	errs = append(errs, rbacvalidation.ValidateRules(o.Rules, false, field.NewPath("rules"))...)
	errs = append(errs, rbacvalidation.ValidateAggregationRule(o.AggregationRule)...)
	return errs
}

// ValidateUpdate checks an update of a ClusterRole.
func ValidateUpdate(o, old *rbacv1.ClusterRole) field.ErrorList {
	errs := Validate(o)
	return append(errs, validation.ValidateObjectMetaUpdate(&o.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))...)
}
