package storageclass

import (
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/storage/storagevalidation"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&storagev1.StorageClass{}, func(obj interface{}) { SetDefaults(obj.(*storagev1.StorageClass)) })
}

// SetDefaults sets reclaimPolicy Delete and volumeBindingMode Immediate.
func SetDefaults(sc *storagev1.StorageClass) {
	if sc.ReclaimPolicy == nil {
		sc.ReclaimPolicy = ptr.To(corev1.PersistentVolumeReclaimDelete)
	}
	if sc.VolumeBindingMode == nil {
		sc.VolumeBindingMode = ptr.To(storagev1.VolumeBindingImmediate)
	}
}

func prepareForCreate(*storagev1.StorageClass)      {}
func prepareForUpdate(_, _ *storagev1.StorageClass) {}

// Validate checks a StorageClass as upstream does.
func Validate(sc *storagev1.StorageClass) field.ErrorList {
	errs := validation.ValidateObjectMeta(&sc.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	errs = append(errs, storagevalidation.ValidateProvisioner(sc.Provisioner, field.NewPath("provisioner"))...)
	errs = append(errs, storagevalidation.ValidateParameters(sc.Parameters, true, field.NewPath("parameters"))...)
	if rp := sc.ReclaimPolicy; rp != nil && *rp != "" && *rp != corev1.PersistentVolumeReclaimDelete && *rp != corev1.PersistentVolumeReclaimRetain {
		errs = append(errs, field.NotSupported(field.NewPath("reclaimPolicy"), rp, []string{string(corev1.PersistentVolumeReclaimDelete), string(corev1.PersistentVolumeReclaimRetain)}))
	}
	if m := sc.VolumeBindingMode; m == nil {
		errs = append(errs, field.Required(field.NewPath("volumeBindingMode"), ""))
	} else if *m != storagev1.VolumeBindingImmediate && *m != storagev1.VolumeBindingWaitForFirstConsumer {
		errs = append(errs, field.NotSupported(field.NewPath("volumeBindingMode"), m, []string{string(storagev1.VolumeBindingImmediate), string(storagev1.VolumeBindingWaitForFirstConsumer)}))
	}
	return errs
}

// ValidateUpdate refuses changes to parameters, provisioner, reclaimPolicy
// and volumeBindingMode, as upstream.
func ValidateUpdate(sc, old *storagev1.StorageClass) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&sc.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, validation.ValidateImmutableField(sc.Parameters, old.Parameters, field.NewPath("parameters"))...)
	errs = append(errs, validation.ValidateImmutableField(sc.Provisioner, old.Provisioner, field.NewPath("provisioner"))...)
	errs = append(errs, validation.ValidateImmutableField(sc.ReclaimPolicy, old.ReclaimPolicy, field.NewPath("reclaimPolicy"))...)
	return append(errs, validation.ValidateImmutableField(sc.VolumeBindingMode, old.VolumeBindingMode, field.NewPath("volumeBindingMode"))...)
}
