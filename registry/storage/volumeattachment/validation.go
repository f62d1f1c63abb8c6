package volumeattachment

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/storage/storagevalidation"
)

func prepareForCreate(*storagev1.VolumeAttachment)      {}
func prepareForUpdate(_, _ *storagev1.VolumeAttachment) {}

// Validate checks the attacher, exactly one source and the node name.
func Validate(va *storagev1.VolumeAttachment) field.ErrorList {
	errs := validation.ValidateObjectMeta(&va.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	errs = append(errs, storagevalidation.ValidateCSIDriverName(va.Spec.Attacher, spec.Child("attacher"))...)
	src := va.Spec.Source
	switch {
	case src.InlineVolumeSpec == nil && src.PersistentVolumeName == nil:
		errs = append(errs, field.Required(spec.Child("source"), "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
	case src.InlineVolumeSpec != nil && src.PersistentVolumeName != nil:
		errs = append(errs, field.Forbidden(spec.Child("source"), "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
	case src.PersistentVolumeName != nil:
		if *src.PersistentVolumeName == "" {
			errs = append(errs, field.Required(spec.Child("source", "persistentVolumeName"), "must specify non empty persistentVolumeName"))
		} else {
			for _, msg := range validation.NameIsDNSSubdomain(*src.PersistentVolumeName, false) {
				errs = append(errs, field.Invalid(field.NewPath("spec.source.persistentVolumeName"), *src.PersistentVolumeName, msg))
			}
		}
	}
	errs = append(errs, storagevalidation.NodeName(va.Spec.NodeName, spec.Child("nodeName"))...)
	return append(errs, validateStatus(&va.Status)...)
}

func validateStatus(s *storagev1.VolumeAttachmentStatus) field.ErrorList {
	var errs field.ErrorList
	size := 0
	for k, v := range s.AttachmentMetadata {
		size += len(k) + len(v)
	}
	if size > 256*(1<<10) {
		errs = append(errs, field.TooLong(field.NewPath("status", "attachmentMetadata"), "", 256*(1<<10)))
	}
	for name, e := range map[string]*storagev1.VolumeError{"attachError": s.AttachError, "detachError": s.DetachError} {
		if e != nil && len(e.Message) > 1024 {
			errs = append(errs, field.TooLong(field.NewPath("status", name, "message"), "", 1024))
		}
	}
	return errs
}

// ValidateUpdate keeps the spec immutable.
func ValidateUpdate(va, old *storagev1.VolumeAttachment) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&va.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, Validate(va)...)
	return append(errs, validation.ValidateImmutableField(va.Spec, old.Spec, field.NewPath("spec"))...)
}

// ValidateStatusUpdate checks the status of a write to /status.
func ValidateStatusUpdate(va, old *storagev1.VolumeAttachment) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&va.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, validateStatus(&va.Status)...)
}
