package validatingadmissionpolicybinding

import (
	arv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/admissionregistration/admissionvalidation"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&arv1.ValidatingAdmissionPolicyBinding{}, func(obj interface{}) {
		admissionvalidation.DefaultMatchResources(obj.(*arv1.ValidatingAdmissionPolicyBinding).Spec.MatchResources)
	})
}

func prepareForCreate(*arv1.ValidatingAdmissionPolicyBinding)      {}
func prepareForUpdate(_, _ *arv1.ValidatingAdmissionPolicyBinding) {}

// Validate checks a ValidatingAdmissionPolicyBinding as upstream does.
func Validate(o *arv1.ValidatingAdmissionPolicyBinding) field.ErrorList {
	errs := validation.ValidateObjectMeta(&o.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	s, p := &o.Spec, field.NewPath("spec")
	errs = append(errs, admissionvalidation.ValidatePolicyName(s.PolicyName, p.Child("policyName"))...)
	errs = append(errs, admissionvalidation.ValidateParamRef(s.ParamRef, p.Child("paramRef"))...)
	errs = append(errs, admissionvalidation.ValidateMatchResources(s.MatchResources, p.Child("matchResources"), false)...)
	errs = append(errs, admissionvalidation.ValidateValidationActions(s.ValidationActions, p.Child("validationActions"))...)
	return errs
}

// ValidateUpdate checks an update of a ValidatingAdmissionPolicyBinding.
func ValidateUpdate(o, old *arv1.ValidatingAdmissionPolicyBinding) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&o.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, Validate(o)...)
}
