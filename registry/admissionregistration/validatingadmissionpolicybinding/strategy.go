package validatingadmissionpolicybinding

import (
	"context"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type validatingAdmissionPolicyBindingStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of ValidatingAdmissionPolicyBindings.
var Strategy = validatingAdmissionPolicyBindingStrategy{strategy.Cluster()}

// PrepareForCreate starts the generation at 1.
func (validatingAdmissionPolicyBindingStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*admissionregistrationv1.ValidatingAdmissionPolicyBinding)
	o.Generation = 1
	prepareForCreate(o)
}

// PrepareForUpdate bumps the generation when spec changes.
func (validatingAdmissionPolicyBindingStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*admissionregistrationv1.ValidatingAdmissionPolicyBinding), oldObj.(*admissionregistrationv1.ValidatingAdmissionPolicyBinding)
	if !apiequality.Semantic.DeepEqual(o.Spec, old.Spec) {
		o.Generation = old.Generation + 1
	}
	prepareForUpdate(o, old)
}

func (validatingAdmissionPolicyBindingStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*admissionregistrationv1.ValidatingAdmissionPolicyBinding))
}

func (validatingAdmissionPolicyBindingStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*admissionregistrationv1.ValidatingAdmissionPolicyBinding), old.(*admissionregistrationv1.ValidatingAdmissionPolicyBinding))
}
