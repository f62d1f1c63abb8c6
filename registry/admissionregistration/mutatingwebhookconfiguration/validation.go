package mutatingwebhookconfiguration

import (
	arv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/admissionregistration/admissionvalidation"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&arv1.MutatingWebhookConfiguration{}, func(obj interface{}) { SetDefaults(obj.(*arv1.MutatingWebhookConfiguration)) })
}

// SetDefaults gives each webhook upstream's defaults: failurePolicy Fail,
// matchPolicy Equivalent, empty selectors, timeoutSeconds 10, rule scope
// "*" and service port 443.
func SetDefaults(o *arv1.MutatingWebhookConfiguration) {
	for i := range o.Webhooks {
		h := &o.Webhooks[i]
		admissionvalidation.DefaultWebhook(&h.FailurePolicy, &h.MatchPolicy, &h.NamespaceSelector, &h.ObjectSelector, &h.TimeoutSeconds, &h.ClientConfig, h.Rules)
		if h.ReinvocationPolicy == nil {
			h.ReinvocationPolicy = ptr.To(arv1.NeverReinvocationPolicy)
		}
	}
}

func prepareForCreate(*arv1.MutatingWebhookConfiguration)      {}
func prepareForUpdate(_, _ *arv1.MutatingWebhookConfiguration) {}

func webhooks(o *arv1.MutatingWebhookConfiguration) []admissionvalidation.Webhook {
	out := make([]admissionvalidation.Webhook, len(o.Webhooks))
	for i, h := range o.Webhooks {
		out[i] = admissionvalidation.Webhook{
			Name: h.Name, ClientConfig: h.ClientConfig, Rules: h.Rules, FailurePolicy: h.FailurePolicy,
			MatchPolicy: h.MatchPolicy, NamespaceSelector: h.NamespaceSelector, ObjectSelector: h.ObjectSelector,
			SideEffects: h.SideEffects, TimeoutSeconds: h.TimeoutSeconds, AdmissionReviewVersions: h.AdmissionReviewVersions,
			MatchConditions: h.MatchConditions,
		}
	}
	return out
}

// Validate checks a MutatingWebhookConfiguration as upstream does for v1.
func Validate(o *arv1.MutatingWebhookConfiguration) field.ErrorList {
	errs := validation.ValidateObjectMeta(&o.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	errs = append(errs, admissionvalidation.ValidateWebhooks(webhooks(o))...)
	for i := range o.Webhooks {
		errs = append(errs, admissionvalidation.ValidateReinvocationPolicy(o.Webhooks[i].ReinvocationPolicy, field.NewPath("webhooks").Index(i).Child("reinvocationPolicy"))...)
	}
	return errs
}

// ValidateUpdate checks an update of a MutatingWebhookConfiguration.
func ValidateUpdate(o, old *arv1.MutatingWebhookConfiguration) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&o.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, Validate(o)...)
}
