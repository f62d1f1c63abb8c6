package validatingadmissionpolicy

import (
	arv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/admissionregistration/admissionvalidation"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&arv1.ValidatingAdmissionPolicy{}, func(obj interface{}) { SetDefaults(obj.(*arv1.ValidatingAdmissionPolicy)) })
}

// SetDefaults gives the policy failurePolicy Fail and its matchConstraints
// upstream's defaults.
func SetDefaults(o *arv1.ValidatingAdmissionPolicy) {
	if o.Spec.FailurePolicy == nil {
		o.Spec.FailurePolicy = ptr.To(arv1.Fail)
	}
	admissionvalidation.DefaultMatchResources(o.Spec.MatchConstraints)
}

func prepareForCreate(*arv1.ValidatingAdmissionPolicy)      {}
func prepareForUpdate(_, _ *arv1.ValidatingAdmissionPolicy) {}

// Validate checks a ValidatingAdmissionPolicy as upstream does, except that CEL
// expressions are only required, not compiled.
func Validate(o *arv1.ValidatingAdmissionPolicy) field.ErrorList {
	errs := validation.ValidateObjectMeta(&o.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	s, p := &o.Spec, field.NewPath("spec")
	errs = append(errs, admissionvalidation.ValidateFailurePolicy(s.FailurePolicy, p.Child("failurePolicy"))...)
	if s.ParamKind != nil {
		errs = append(errs, admissionvalidation.ValidateParamKind(*s.ParamKind, p.Child("paramKind"))...)
	}
	if s.MatchConstraints == nil {
		errs = append(errs, field.Required(p.Child("matchConstraints"), ""))
	} else {
		errs = append(errs, admissionvalidation.ValidateMatchResources(s.MatchConstraints, p.Child("matchConstraints"), false)...)
		if len(s.MatchConstraints.ResourceRules) == 0 {
			errs = append(errs, field.Required(p.Child("matchConstraints", "resourceRules"), ""))
		}
	}
	errs = append(errs, admissionvalidation.ValidateMatchConditions(s.MatchConditions, p.Child("matchConditions"))...)
	errs = append(errs, admissionvalidation.ValidateVariables(s.Variables, p.Child("variables"))...)
	if len(s.Validations) == 0 && len(s.AuditAnnotations) == 0 {
		errs = append(errs, field.Required(p.Child("validations"), "validations or auditAnnotations must contain at least one item"),
			field.Required(p.Child("auditAnnotations"), "validations or auditAnnotations must contain at least one item"))
	} else {
		errs = append(errs, admissionvalidation.ValidateValidations(s.Validations, p.Child("validations"))...)
		errs = append(errs, admissionvalidation.ValidateAuditAnnotations(o.Name, s.AuditAnnotations, p.Child("auditAnnotations"))...)
	}
	return errs
}

// ValidateUpdate checks an update of a ValidatingAdmissionPolicy.
func ValidateUpdate(o, old *arv1.ValidatingAdmissionPolicy) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&o.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, Validate(o)...)
}

// ValidateStatusUpdate checks a write to /status: its conditions.
func ValidateStatusUpdate(o, old *arv1.ValidatingAdmissionPolicy) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&o.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, metav1validation.ValidateConditions(o.Status.Conditions, field.NewPath("status", "conditions"))...)
}
