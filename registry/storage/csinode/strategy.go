package csinode

import (
	"context"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type cSINodeStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of CSINodes.
var Strategy = cSINodeStrategy{strategy.Cluster()}

func (cSINodeStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetStatus(storagev1.SchemeGroupVersion.String())
}

// PrepareForCreate clears status.
func (cSINodeStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*storagev1.CSINode)
	o.Status = storagev1.CSINodeStatus{}
	prepareForCreate(o)
}

// PrepareForUpdate keeps status.
func (cSINodeStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*storagev1.CSINode), oldObj.(*storagev1.CSINode)
	o.Status = old.Status
	prepareForUpdate(o, old)
}

func (cSINodeStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*storagev1.CSINode))
}

func (cSINodeStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*storagev1.CSINode), old.(*storagev1.CSINode))
}

type statusStrategy struct{ cSINodeStrategy }

// StatusStrategy updates only .status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetAllButStatus(storagev1.SchemeGroupVersion.String())
}

// PrepareForUpdate keeps everything but status (and metadata a status
// writer may not change).
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*storagev1.CSINode), oldObj.(*storagev1.CSINode)
	metav1.ResetObjectMetaForStatus(&o.ObjectMeta, &old.ObjectMeta)
	o.Spec = old.Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateStatusUpdate(obj.(*storagev1.CSINode), old.(*storagev1.CSINode))
}
