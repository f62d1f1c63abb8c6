package volumeattachment

import (
	"context"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type volumeAttachmentStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of VolumeAttachments.
var Strategy = volumeAttachmentStrategy{strategy.Cluster()}

func (volumeAttachmentStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetStatus(storagev1.SchemeGroupVersion.String())
}

// PrepareForCreate clears status.
func (volumeAttachmentStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*storagev1.VolumeAttachment)
	o.Status = storagev1.VolumeAttachmentStatus{}
	prepareForCreate(o)
}

// PrepareForUpdate keeps status.
func (volumeAttachmentStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*storagev1.VolumeAttachment), oldObj.(*storagev1.VolumeAttachment)
	o.Status = old.Status
	prepareForUpdate(o, old)
}

func (volumeAttachmentStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*storagev1.VolumeAttachment))
}

func (volumeAttachmentStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*storagev1.VolumeAttachment), old.(*storagev1.VolumeAttachment))
}

type statusStrategy struct{ volumeAttachmentStrategy }

// StatusStrategy updates only .status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetAllButStatus(storagev1.SchemeGroupVersion.String())
}

// PrepareForUpdate keeps everything but status (and metadata a status
// writer may not change).
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*storagev1.VolumeAttachment), oldObj.(*storagev1.VolumeAttachment)
	metav1.ResetObjectMetaForStatus(&o.ObjectMeta, &old.ObjectMeta)
	o.Spec = old.Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateStatusUpdate(obj.(*storagev1.VolumeAttachment), old.(*storagev1.VolumeAttachment))
}
