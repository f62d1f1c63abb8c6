package apigroups

import (
	"strings"
	"testing"

	arv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestWebhookConfigurationDefaults(t *testing.T) {
	none := arv1.SideEffectClassNone
	c := srv.Client.AdmissionregistrationV1().MutatingWebhookConfigurations()
	cfg, err := c.Create(ctx, &arv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "defaults"},
		Webhooks: []arv1.MutatingWebhook{{
			Name:                    "hook.example.com",
			ClientConfig:            arv1.WebhookClientConfig{Service: &arv1.ServiceReference{Namespace: "default", Name: "hook"}},
			Rules:                   []arv1.RuleWithOperations{{Operations: []arv1.OperationType{arv1.Create}, Rule: arv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}}},
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1"},
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, cfg.Name, metav1.DeleteOptions{}) })
	h := cfg.Webhooks[0]
	if *h.FailurePolicy != arv1.Fail || *h.MatchPolicy != arv1.Equivalent || *h.TimeoutSeconds != 10 ||
		*h.ReinvocationPolicy != arv1.NeverReinvocationPolicy || h.NamespaceSelector == nil || h.ObjectSelector == nil ||
		*h.Rules[0].Scope != arv1.AllScopes || *h.ClientConfig.Service.Port != 443 {
		t.Errorf("defaults not applied: %+v", h)
	}
	if cfg.Generation != 1 {
		t.Errorf("generation = %d", cfg.Generation)
	}

	table := getTable(t, "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations")
	if got := strings.Join(columns(table), ","); got != "Name,Webhooks,Age" {
		t.Errorf("columns = %s", got)
	}
	if row := rowFor(t, table, "defaults"); row[1] != float64(1) {
		t.Errorf("row = %v", row)
	}
}

func TestWebhookConfigurationValidation(t *testing.T) {
	c := srv.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	_, err := c.Create(ctx, &arv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "invalid"},
		Webhooks: []arv1.ValidatingWebhook{{
			Name:         "nodots",
			ClientConfig: arv1.WebhookClientConfig{URL: ptr.To("http://example.com/")},
		}},
	}, metav1.CreateOptions{})
	for _, f := range []string{"webhooks[0].name", "webhooks[0].sideEffects", "webhooks[0].admissionReviewVersions", "webhooks[0].clientConfig.url"} {
		assertInvalid(t, err, f)
	}
}

func TestValidatingAdmissionPolicy(t *testing.T) {
	c := srv.Client.AdmissionregistrationV1().ValidatingAdmissionPolicies()
	_, err := c.Create(ctx, &arv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "empty"}}, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.matchConstraints")
	assertInvalid(t, err, "spec.validations")

	p, err := c.Create(ctx, &arv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "replicas"},
		Spec: arv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &arv1.MatchResources{ResourceRules: []arv1.NamedRuleWithOperations{{RuleWithOperations: arv1.RuleWithOperations{
				Operations: []arv1.OperationType{arv1.Create}, Rule: arv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}},
			}}}},
			Validations: []arv1.Validation{{Expression: "object.spec.replicas <= 5"}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, p.Name, metav1.DeleteOptions{}) })
	if *p.Spec.FailurePolicy != arv1.Fail || *p.Spec.MatchConstraints.MatchPolicy != arv1.Equivalent || p.Spec.MatchConstraints.NamespaceSelector == nil {
		t.Errorf("defaults not applied: %+v", p.Spec)
	}

	p.Status.ObservedGeneration = p.Generation
	st, err := c.UpdateStatus(ctx, p, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Status.ObservedGeneration != p.Generation {
		t.Errorf("status not written: %+v", st.Status)
	}

	table := getTable(t, "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies")
	if got := strings.Join(columns(table), ","); got != "Name,Validations,ParamKind,Age" {
		t.Errorf("columns = %s", got)
	}
	if row := rowFor(t, table, "replicas"); row[1] != float64(1) || row[2] != "<unset>" {
		t.Errorf("row = %v", row)
	}

	b := srv.Client.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings()
	_, err = b.Create(ctx, &arv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: "b"}}, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.policyName")
	assertInvalid(t, err, "spec.validationActions")
	binding, err := b.Create(ctx, &arv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "b"},
		Spec:       arv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: "replicas", ValidationActions: []arv1.ValidationAction{arv1.Deny}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Delete(ctx, binding.Name, metav1.DeleteOptions{}) })
	table = getTable(t, "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings")
	if got := strings.Join(columns(table), ","); got != "Name,PolicyName,ParamRef,Age" {
		t.Errorf("binding columns = %s", got)
	}
}

func TestMutatingAdmissionPolicy(t *testing.T) {
	c := srv.Client.AdmissionregistrationV1().MutatingAdmissionPolicies()
	_, err := c.Create(ctx, &arv1.MutatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "m"}}, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.mutations")
	assertInvalid(t, err, "spec.reinvocationPolicy")
}
