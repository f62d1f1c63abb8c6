package mutatingadmissionpolicy

import (
	arv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/validation"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/admissionregistration/admissionvalidation"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&arv1.MutatingAdmissionPolicy{}, func(obj interface{}) { SetDefaults(obj.(*arv1.MutatingAdmissionPolicy)) })
}

// SetDefaults gives the policy failurePolicy Fail and its matchConstraints
// upstream's defaults.
func SetDefaults(o *arv1.MutatingAdmissionPolicy) {
	if o.Spec.FailurePolicy == nil {
		o.Spec.FailurePolicy = ptr.To(arv1.Fail)
	}
	admissionvalidation.DefaultMatchResources(o.Spec.MatchConstraints)
}

func prepareForCreate(*arv1.MutatingAdmissionPolicy)      {}
func prepareForUpdate(_, _ *arv1.MutatingAdmissionPolicy) {}

// Validate checks a MutatingAdmissionPolicy as upstream does, except that CEL
// expressions are only required, not compiled.
func Validate(o *arv1.MutatingAdmissionPolicy) field.ErrorList {
	errs := validation.ValidateObjectMeta(&o.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	s, p := &o.Spec, field.NewPath("spec")
	errs = append(errs, admissionvalidation.ValidateFailurePolicy(s.FailurePolicy, p.Child("failurePolicy"))...)
	if s.ParamKind != nil {
		errs = append(errs, admissionvalidation.ValidateParamKind(*s.ParamKind, p.Child("paramKind"))...)
	}
	if s.MatchConstraints == nil {
		errs = append(errs, field.Required(p.Child("matchConstraints"), ""))
	} else {
		errs = append(errs, admissionvalidation.ValidateMatchResources(s.MatchConstraints, p.Child("matchConstraints"), true)...)
		if len(s.MatchConstraints.ResourceRules) == 0 {
			errs = append(errs, field.Required(p.Child("matchConstraints", "resourceRules"), ""))
		}
	}
	errs = append(errs, admissionvalidation.ValidateMatchConditions(s.MatchConditions, p.Child("matchConditions"))...)
	errs = append(errs, admissionvalidation.ValidateVariables(s.Variables, p.Child("variables"))...)
	errs = append(errs, admissionvalidation.ValidateMutations(s.Mutations, p.Child("mutations"))...)
	errs = append(errs, admissionvalidation.ValidateReinvocationRequired(s.ReinvocationPolicy, p.Child("reinvocationPolicy"))...)
	return errs
}

// ValidateUpdate checks an update of a MutatingAdmissionPolicy.
func ValidateUpdate(o, old *arv1.MutatingAdmissionPolicy) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&o.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, Validate(o)...)
}
