package csidriver

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/storage/storagevalidation"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&storagev1.CSIDriver{}, func(obj interface{}) { SetDefaults(obj.(*storagev1.CSIDriver)) })
}

// SetDefaults applies upstream's CSIDriver defaults (SELinuxMount is GA in
// 1.37 so it defaults to false too, as does PreventPodSchedulingIfMissing).
func SetDefaults(d *storagev1.CSIDriver) {
	s := &d.Spec
	if s.AttachRequired == nil {
		s.AttachRequired = ptr.To(true)
	}
	if s.PodInfoOnMount == nil {
		s.PodInfoOnMount = ptr.To(false)
	}
	if s.StorageCapacity == nil {
		s.StorageCapacity = ptr.To(false)
	}
	if s.FSGroupPolicy == nil {
		s.FSGroupPolicy = ptr.To(storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy)
	}
	if len(s.VolumeLifecycleModes) == 0 {
		s.VolumeLifecycleModes = []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent}
	}
	if s.RequiresRepublish == nil {
		s.RequiresRepublish = ptr.To(false)
	}
	if s.SELinuxMount == nil {
		s.SELinuxMount = ptr.To(false)
	}
	// VolumeLimitScaling is on by default in 1.37.
	if s.PreventPodSchedulingIfMissing == nil {
		s.PreventPodSchedulingIfMissing = ptr.To(false)
	}
}

func prepareForCreate(*storagev1.CSIDriver)      {}
func prepareForUpdate(_, _ *storagev1.CSIDriver) {}

func validateSpec(s *storagev1.CSIDriverSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.AttachRequired == nil {
		errs = append(errs, field.Required(p.Child("attachedRequired"), "must be specified"))
	}
	if s.PodInfoOnMount == nil {
		errs = append(errs, field.Required(p.Child("podInfoOnMount"), "must be specified"))
	}
	if s.StorageCapacity == nil {
		errs = append(errs, field.Required(p.Child("storageCapacity"), "must be specified"))
	}
	policies := []string{string(storagev1.FileFSGroupPolicy), string(storagev1.NoneFSGroupPolicy), string(storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy)}
	if s.FSGroupPolicy != nil {
		ok := false
		for _, v := range policies {
			ok = ok || string(*s.FSGroupPolicy) == v
		}
		if !ok {
			errs = append(errs, field.NotSupported(p.Child("fsGroupPolicy"), *s.FSGroupPolicy, policies))
		}
	}
	audiences := map[string]bool{}
	for i, t := range s.TokenRequests {
		if audiences[t.Audience] {
			errs = append(errs, field.Duplicate(p.Child("tokenRequests").Index(i).Child("audience"), t.Audience))
		}
		audiences[t.Audience] = true
		if t.ExpirationSeconds != nil {
			if *t.ExpirationSeconds < 600 {
				errs = append(errs, field.Invalid(p.Child("tokenRequests").Index(i).Child("expirationSeconds"), *t.ExpirationSeconds, "may not specify a duration less than 10 minutes"))
			} else if *t.ExpirationSeconds > 1<<32 {
				errs = append(errs, field.Invalid(p.Child("tokenRequests").Index(i).Child("expirationSeconds"), *t.ExpirationSeconds, "may not specify a duration larger than 2^32 seconds"))
			}
		}
	}
	modes := []string{string(storagev1.VolumeLifecycleEphemeral), string(storagev1.VolumeLifecyclePersistent)}
	for i, m := range s.VolumeLifecycleModes {
		if m != storagev1.VolumeLifecycleEphemeral && m != storagev1.VolumeLifecyclePersistent {
			errs = append(errs, field.NotSupported(p.Child("volumeLifecycleModes").Index(i), m, modes))
		}
	}
	if s.NodeAllocatableUpdatePeriodSeconds != nil && *s.NodeAllocatableUpdatePeriodSeconds < 10 {
		errs = append(errs, field.Invalid(p.Child("nodeAllocatableUpdatePeriodSeconds"), *s.NodeAllocatableUpdatePeriodSeconds, "must be greater than or equal to 10 seconds"))
	}
	if s.ServiceAccountTokenInSecrets != nil && *s.ServiceAccountTokenInSecrets && len(s.TokenRequests) == 0 {
		errs = append(errs, field.Invalid(p.Child("serviceAccountTokenInSecrets"), *s.ServiceAccountTokenInSecrets, "serviceAccountTokenInSecrets can only be set to true if tokenRequests is specified"))
	}
	return errs
}

// Validate checks a CSIDriver: its name is a CSI driver name.
func Validate(d *storagev1.CSIDriver) field.ErrorList {
	errs := validation.ValidateObjectMeta(&d.ObjectMeta, false, func(name string, _ bool) []string {
		var out []string
		for _, e := range storagevalidation.ValidateCSIDriverName(name, field.NewPath("metadata", "name")) {
			out = append(out, e.Detail)
		}
		return out
	}, field.NewPath("metadata"))
	return append(errs, validateSpec(&d.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate keeps attachRequired and volumeLifecycleModes immutable.
func ValidateUpdate(d, old *storagev1.CSIDriver) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&d.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, validateSpec(&d.Spec, field.NewPath("spec"))...)
	errs = append(errs, validation.ValidateImmutableField(d.Spec.AttachRequired, old.Spec.AttachRequired, field.NewPath("spec", "attachedRequired"))...)
	return append(errs, validation.ValidateImmutableField(d.Spec.VolumeLifecycleModes, old.Spec.VolumeLifecycleModes, field.NewPath("spec", "volumeLifecycleModes"))...)
}
