package resourceclaim

import (
	"context"

	resourcev1 "k8s.io/api/resource/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type resourceClaimStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of ResourceClaims.
var Strategy = resourceClaimStrategy{strategy.Namespaced()}

func (resourceClaimStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetStatus(resourcev1.SchemeGroupVersion.String())
}

// PrepareForCreate clears status.
func (resourceClaimStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*resourcev1.ResourceClaim)
	o.Status = resourcev1.ResourceClaimStatus{}
	prepareForCreate(o)
}

// PrepareForUpdate keeps status.
func (resourceClaimStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*resourcev1.ResourceClaim), oldObj.(*resourcev1.ResourceClaim)
	o.Status = old.Status
	prepareForUpdate(o, old)
}

func (resourceClaimStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*resourcev1.ResourceClaim))
}

func (resourceClaimStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*resourcev1.ResourceClaim), old.(*resourcev1.ResourceClaim))
}

type statusStrategy struct{ resourceClaimStrategy }

// StatusStrategy updates only .status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetAllButStatus(resourcev1.SchemeGroupVersion.String())
}

// PrepareForUpdate keeps everything but status (and metadata a status
// writer may not change).
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*resourcev1.ResourceClaim), oldObj.(*resourcev1.ResourceClaim)
	metav1.ResetObjectMetaForStatus(&o.ObjectMeta, &old.ObjectMeta)
	o.Spec = old.Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateStatusUpdate(obj.(*resourcev1.ResourceClaim), old.(*resourcev1.ResourceClaim))
}
