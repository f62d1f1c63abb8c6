package role

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/rbac/rbacvalidation"
)

func prepareForCreate(*rbacv1.Role)      {}
func prepareForUpdate(_, _ *rbacv1.Role) {}

// Validate checks the name (a path segment) and the rules as upstream does.
func Validate(o *rbacv1.Role) field.ErrorList {
	errs := validation.ValidateObjectMeta(&o.ObjectMeta, true, rbacvalidation.ValidateName, field.NewPath("metadata"))
	errs = append(errs, rbacvalidation.ValidateRules(o.Rules, true, field.NewPath("rules"))...)
	return errs
}

// ValidateUpdate checks an update of a Role.
func ValidateUpdate(o, old *rbacv1.Role) field.ErrorList {
	errs := Validate(o)
	return append(errs, validation.ValidateObjectMetaUpdate(&o.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))...)
}
