package mutatingadmissionpolicy

import (
	"context"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type mutatingAdmissionPolicyStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of MutatingAdmissionPolicys.
var Strategy = mutatingAdmissionPolicyStrategy{strategy.Cluster()}

// PrepareForCreate starts the generation at 1.
func (mutatingAdmissionPolicyStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*admissionregistrationv1.MutatingAdmissionPolicy)
	o.Generation = 1
	prepareForCreate(o)
}

// PrepareForUpdate bumps the generation when spec changes.
func (mutatingAdmissionPolicyStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*admissionregistrationv1.MutatingAdmissionPolicy), oldObj.(*admissionregistrationv1.MutatingAdmissionPolicy)
	if !apiequality.Semantic.DeepEqual(o.Spec, old.Spec) {
		o.Generation = old.Generation + 1
	}
	prepareForUpdate(o, old)
}

func (mutatingAdmissionPolicyStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*admissionregistrationv1.MutatingAdmissionPolicy))
}

func (mutatingAdmissionPolicyStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*admissionregistrationv1.MutatingAdmissionPolicy), old.(*admissionregistrationv1.MutatingAdmissionPolicy))
}
