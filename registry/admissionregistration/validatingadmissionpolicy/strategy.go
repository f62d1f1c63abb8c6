package validatingadmissionpolicy

import (
	"context"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type validatingAdmissionPolicyStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of ValidatingAdmissionPolicys.
var Strategy = validatingAdmissionPolicyStrategy{strategy.Cluster()}

func (validatingAdmissionPolicyStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetStatus(admissionregistrationv1.SchemeGroupVersion.String())
}

// PrepareForCreate clears status and starts the generation at 1.
func (validatingAdmissionPolicyStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*admissionregistrationv1.ValidatingAdmissionPolicy)
	o.Status = admissionregistrationv1.ValidatingAdmissionPolicyStatus{}
	o.Generation = 1
	prepareForCreate(o)
}

// PrepareForUpdate keeps status and bumps the generation when spec changes.
func (validatingAdmissionPolicyStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*admissionregistrationv1.ValidatingAdmissionPolicy), oldObj.(*admissionregistrationv1.ValidatingAdmissionPolicy)
	o.Status = old.Status
	if !apiequality.Semantic.DeepEqual(o.Spec, old.Spec) {
		o.Generation = old.Generation + 1
	}
	prepareForUpdate(o, old)
}

func (validatingAdmissionPolicyStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*admissionregistrationv1.ValidatingAdmissionPolicy))
}

func (validatingAdmissionPolicyStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*admissionregistrationv1.ValidatingAdmissionPolicy), old.(*admissionregistrationv1.ValidatingAdmissionPolicy))
}

type statusStrategy struct {
	validatingAdmissionPolicyStrategy
}

// StatusStrategy updates only .status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetAllButStatus(admissionregistrationv1.SchemeGroupVersion.String())
}

// PrepareForUpdate keeps everything but status (and metadata a status
// writer may not change).
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*admissionregistrationv1.ValidatingAdmissionPolicy), oldObj.(*admissionregistrationv1.ValidatingAdmissionPolicy)
	metav1.ResetObjectMetaForStatus(&o.ObjectMeta, &old.ObjectMeta)
	o.Spec = old.Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateStatusUpdate(obj.(*admissionregistrationv1.ValidatingAdmissionPolicy), old.(*admissionregistrationv1.ValidatingAdmissionPolicy))
}
