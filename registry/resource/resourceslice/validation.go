package resourceslice

import (
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/resource/resourcevalidation"
)

func prepareForCreate(*resourcev1.ResourceSlice)      {}
func prepareForUpdate(_, _ *resourcev1.ResourceSlice) {}

// Validate checks the driver, the pool, exactly one node selection field
// and device names.
func Validate(s *resourcev1.ResourceSlice) field.ErrorList {
	errs := validation.ValidateObjectMeta(&s.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	errs = append(errs, resourcevalidation.ValidateDriverName(s.Spec.Driver, spec.Child("driver"))...)
	if s.Spec.Pool.Name == "" {
		errs = append(errs, field.Required(spec.Child("pool", "name"), ""))
	}
	if s.Spec.Pool.ResourceSliceCount <= 0 {
		errs = append(errs, field.Invalid(spec.Child("pool", "resourceSliceCount"), s.Spec.Pool.ResourceSliceCount, "must be greater than zero"))
	}
	set := 0
	if s.Spec.NodeName != nil {
		set++
		for _, msg := range validation.NameIsDNSSubdomain(*s.Spec.NodeName, false) {
			errs = append(errs, field.Invalid(spec.Child("nodeName"), *s.Spec.NodeName, msg))
		}
	}
	if s.Spec.NodeSelector != nil {
		set++
	}
	if s.Spec.AllNodes != nil && *s.Spec.AllNodes {
		set++
	}
	if s.Spec.PerDeviceNodeSelection != nil && *s.Spec.PerDeviceNodeSelection {
		set++
	}
	switch {
	case set == 0:
		errs = append(errs, field.Required(spec, "exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required"))
	case set > 1:
		errs = append(errs, field.Invalid(spec, "{`nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection`}", "exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required, but multiple fields are set"))
	}
	names := map[string]bool{}
	for i, d := range s.Spec.Devices {
		dp := spec.Child("devices").Index(i)
		for _, msg := range validation.NameIsDNSLabel(d.Name, false) {
			errs = append(errs, field.Invalid(dp.Child("name"), d.Name, msg))
		}
		if names[d.Name] {
			errs = append(errs, field.Duplicate(dp.Child("name"), d.Name))
		}
		names[d.Name] = true
		for j := range d.Taints {
			errs = append(errs, resourcevalidation.ValidateTaint(&d.Taints[j], dp.Child("taints").Index(j))...)
		}
	}
	return errs
}

// ValidateUpdate keeps nodeName, driver and pool name immutable.
func ValidateUpdate(s, old *resourcev1.ResourceSlice) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&s.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, Validate(s)...)
	errs = append(errs, validation.ValidateImmutableField(s.Spec.NodeName, old.Spec.NodeName, field.NewPath("spec", "nodeName"))...)
	return append(errs, validation.ValidateImmutableField(s.Spec.Driver, old.Spec.Driver, field.NewPath("spec", "driver"))...)
}
