package mutatingadmissionpolicybinding

import (
	arv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/admissionregistration/admissionvalidation"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&arv1.MutatingAdmissionPolicyBinding{}, func(obj interface{}) {
		admissionvalidation.DefaultMatchResources(obj.(*arv1.MutatingAdmissionPolicyBinding).Spec.MatchResources)
	})
}

func prepareForCreate(*arv1.MutatingAdmissionPolicyBinding)      {}
func prepareForUpdate(_, _ *arv1.MutatingAdmissionPolicyBinding) {}

// Validate checks a MutatingAdmissionPolicyBinding as upstream does.
func Validate(o *arv1.MutatingAdmissionPolicyBinding) field.ErrorList {
	errs := validation.ValidateObjectMeta(&o.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	s, p := &o.Spec, field.NewPath("spec")
	errs = append(errs, admissionvalidation.ValidatePolicyName(s.PolicyName, p.Child("policyName"))...)
	errs = append(errs, admissionvalidation.ValidateParamRef(s.ParamRef, p.Child("paramRef"))...)
	errs = append(errs, admissionvalidation.ValidateMatchResources(s.MatchResources, p.Child("matchResources"), true)...)

	return errs
}

// ValidateUpdate checks an update of a MutatingAdmissionPolicyBinding.
func ValidateUpdate(o, old *arv1.MutatingAdmissionPolicyBinding) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&o.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, Validate(o)...)
}
