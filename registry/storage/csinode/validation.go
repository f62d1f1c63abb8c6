package csinode

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/storage/storagevalidation"
)

func prepareForCreate(*storagev1.CSINode)      {}
func prepareForUpdate(_, _ *storagev1.CSINode) {}

// Validate checks the node name and each driver (name, nodeID, unique).
func Validate(n *storagev1.CSINode) field.ErrorList {
	errs := validation.ValidateObjectMeta(&n.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	p := field.NewPath("spec", "drivers")
	seen := map[string]bool{}
	for i, d := range n.Spec.Drivers {
		dp := p.Index(i)
		errs = append(errs, storagevalidation.ValidateCSIDriverName(d.Name, dp.Child("name"))...)
		if d.NodeID == "" {
			errs = append(errs, field.Required(dp.Child("nodeID"), ""))
		} else if len(d.NodeID) > 192 {
			errs = append(errs, field.TooLong(dp.Child("nodeID"), d.NodeID, 192))
		}
		if d.Allocatable != nil && d.Allocatable.Count != nil && *d.Allocatable.Count < 0 {
			errs = append(errs, field.Invalid(dp.Child("allocatable", "count"), *d.Allocatable.Count, "must be greater than or equal to 0"))
		}
		if seen[d.Name] {
			errs = append(errs, field.Duplicate(dp.Child("name"), d.Name))
		}
		seen[d.Name] = true
	}
	return errs
}

// ValidateUpdate keeps an existing driver's entry immutable (its allocatable
// count may change).
func ValidateUpdate(n, old *storagev1.CSINode) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&n.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, Validate(n)...)
	for _, od := range old.Spec.Drivers {
		for _, nd := range n.Spec.Drivers {
			if od.Name == nd.Name {
				o, c := od.DeepCopy(), nd.DeepCopy()
				o.Allocatable, c.Allocatable = nil, nil
				errs = append(errs, validation.ValidateImmutableField(c, o, field.NewPath("spec", "drivers"))...)
			}
		}
	}
	return errs
}

// ValidateStatusUpdate checks a write to /status.
func ValidateStatusUpdate(n, old *storagev1.CSINode) field.ErrorList {
	return validation.ValidateObjectMetaUpdate(&n.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
}
