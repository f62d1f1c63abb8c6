package validatingwebhookconfiguration

import (
	"context"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type validatingWebhookConfigurationStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of ValidatingWebhookConfigurations.
var Strategy = validatingWebhookConfigurationStrategy{strategy.Cluster()}

// PrepareForCreate starts the generation at 1.
func (validatingWebhookConfigurationStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*admissionregistrationv1.ValidatingWebhookConfiguration)
	o.Generation = 1
	prepareForCreate(o)
}

// PrepareForUpdate bumps the generation when webhooks changes.
func (validatingWebhookConfigurationStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*admissionregistrationv1.ValidatingWebhookConfiguration), oldObj.(*admissionregistrationv1.ValidatingWebhookConfiguration)
	if !apiequality.Semantic.DeepEqual(o.Webhooks, old.Webhooks) {
		o.Generation = old.Generation + 1
	}
	prepareForUpdate(o, old)
}

func (validatingWebhookConfigurationStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*admissionregistrationv1.ValidatingWebhookConfiguration))
}

func (validatingWebhookConfigurationStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*admissionregistrationv1.ValidatingWebhookConfiguration), old.(*admissionregistrationv1.ValidatingWebhookConfiguration))
}
