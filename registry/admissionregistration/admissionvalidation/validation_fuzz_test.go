package admissionvalidation

import (
	"testing"

	arv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/utils/ptr"
)

// FuzzValidateWebhooks checks webhook validation never panics and that a
// webhook without sideEffects is always refused.
func FuzzValidateWebhooks(f *testing.F) {
	f.Add("hook.example.com", "https://example.com/", "v1", "CREATE", "pods", int32(10))
	f.Add("nodots", "", "", "*", "*/*", int32(0))
	f.Fuzz(func(t *testing.T, name, url, version, op, resource string, timeout int32) {
		h := Webhook{
			Name:                    name,
			AdmissionReviewVersions: []string{version},
			TimeoutSeconds:          &timeout,
			Rules: []arv1.RuleWithOperations{{Operations: []arv1.OperationType{arv1.OperationType(op)},
				Rule: arv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{resource}}}},
		}
		if url != "" {
			h.ClientConfig.URL = ptr.To(url)
		}
		found := false
		for _, e := range ValidateWebhooks([]Webhook{h}) {
			found = found || e.Field == "webhooks[0].sideEffects"
		}
		if !found {
			t.Errorf("webhook without sideEffects accepted")
		}
	})
}
