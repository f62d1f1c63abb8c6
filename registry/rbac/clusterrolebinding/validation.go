package clusterrolebinding

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/rbac/rbacvalidation"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&rbacv1.ClusterRoleBinding{}, func(obj interface{}) {
		b := obj.(*rbacv1.ClusterRoleBinding)
		rbacvalidation.DefaultBinding(&b.RoleRef, b.Subjects)
	})
}

func prepareForCreate(*rbacv1.ClusterRoleBinding)      {}
func prepareForUpdate(_, _ *rbacv1.ClusterRoleBinding) {}

// Validate checks the name, roleRef and subjects as upstream does.
func Validate(o *rbacv1.ClusterRoleBinding) field.ErrorList {
	errs := validation.ValidateObjectMeta(&o.ObjectMeta, false, rbacvalidation.ValidateName, field.NewPath("metadata"))
	errs = append(errs, rbacvalidation.ValidateRoleRef(o.RoleRef, "ClusterRole")...)
	return append(errs, rbacvalidation.ValidateSubjects(o.Subjects, false)...)
}

// ValidateUpdate also refuses a roleRef change: roleRef is immutable.
func ValidateUpdate(o, old *rbacv1.ClusterRoleBinding) field.ErrorList {
	errs := Validate(o)
	errs = append(errs, validation.ValidateObjectMetaUpdate(&o.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))...)
	return append(errs, rbacvalidation.ValidateRoleRefUpdate(o.RoleRef, old.RoleRef)...)
}
