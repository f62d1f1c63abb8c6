package validatingwebhookconfiguration

import (
	arv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/admissionregistration/admissionvalidation"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&arv1.ValidatingWebhookConfiguration{}, func(obj interface{}) { SetDefaults(obj.(*arv1.ValidatingWebhookConfiguration)) })
}

// SetDefaults gives each webhook upstream's defaults: failurePolicy Fail,
// matchPolicy Equivalent, empty selectors, timeoutSeconds 10, rule scope
// "*" and service port 443.
func SetDefaults(o *arv1.ValidatingWebhookConfiguration) {
	for i := range o.Webhooks {
		h := &o.Webhooks[i]
		admissionvalidation.DefaultWebhook(&h.FailurePolicy, &h.MatchPolicy, &h.NamespaceSelector, &h.ObjectSelector, &h.TimeoutSeconds, &h.ClientConfig, h.Rules)

	}
}

func prepareForCreate(*arv1.ValidatingWebhookConfiguration)      {}
func prepareForUpdate(_, _ *arv1.ValidatingWebhookConfiguration) {}

func webhooks(o *arv1.ValidatingWebhookConfiguration) []admissionvalidation.Webhook {
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

// Validate checks a ValidatingWebhookConfiguration as upstream does for v1.
func Validate(o *arv1.ValidatingWebhookConfiguration) field.ErrorList {
	errs := validation.ValidateObjectMeta(&o.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	errs = append(errs, admissionvalidation.ValidateWebhooks(webhooks(o))...)

	return errs
}

// ValidateUpdate checks an update of a ValidatingWebhookConfiguration.
func ValidateUpdate(o, old *arv1.ValidatingWebhookConfiguration) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&o.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, Validate(o)...)
}
