package mutatingadmissionpolicybinding

import (
	"context"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type mutatingAdmissionPolicyBindingStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of MutatingAdmissionPolicyBindings.
var Strategy = mutatingAdmissionPolicyBindingStrategy{strategy.Cluster()}

// PrepareForCreate starts the generation at 1.
func (mutatingAdmissionPolicyBindingStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*admissionregistrationv1.MutatingAdmissionPolicyBinding)
	o.Generation = 1
	prepareForCreate(o)
}

// PrepareForUpdate bumps the generation when spec changes.
func (mutatingAdmissionPolicyBindingStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*admissionregistrationv1.MutatingAdmissionPolicyBinding), oldObj.(*admissionregistrationv1.MutatingAdmissionPolicyBinding)
	if !apiequality.Semantic.DeepEqual(o.Spec, old.Spec) {
		o.Generation = old.Generation + 1
	}
	prepareForUpdate(o, old)
}

func (mutatingAdmissionPolicyBindingStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*admissionregistrationv1.MutatingAdmissionPolicyBinding))
}

func (mutatingAdmissionPolicyBindingStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*admissionregistrationv1.MutatingAdmissionPolicyBinding), old.(*admissionregistrationv1.MutatingAdmissionPolicyBinding))
}
