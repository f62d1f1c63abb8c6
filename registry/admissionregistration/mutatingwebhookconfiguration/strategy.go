package mutatingwebhookconfiguration

import (
	"context"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type mutatingWebhookConfigurationStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of MutatingWebhookConfigurations.
var Strategy = mutatingWebhookConfigurationStrategy{strategy.Cluster()}

// PrepareForCreate starts the generation at 1.
func (mutatingWebhookConfigurationStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*admissionregistrationv1.MutatingWebhookConfiguration)
	o.Generation = 1
	prepareForCreate(o)
}

// PrepareForUpdate bumps the generation when webhooks changes.
func (mutatingWebhookConfigurationStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*admissionregistrationv1.MutatingWebhookConfiguration), oldObj.(*admissionregistrationv1.MutatingWebhookConfiguration)
	if !apiequality.Semantic.DeepEqual(o.Webhooks, old.Webhooks) {
		o.Generation = old.Generation + 1
	}
	prepareForUpdate(o, old)
}

func (mutatingWebhookConfigurationStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*admissionregistrationv1.MutatingWebhookConfiguration))
}

func (mutatingWebhookConfigurationStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*admissionregistrationv1.MutatingWebhookConfiguration), old.(*admissionregistrationv1.MutatingWebhookConfiguration))
}
