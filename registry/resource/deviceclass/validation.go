package deviceclass

import (
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func prepareForCreate(*resourcev1.DeviceClass)      {}
func prepareForUpdate(_, _ *resourcev1.DeviceClass) {}

// Validate checks the name and that selectors carry CEL expressions (not compiled).
func Validate(c *resourcev1.DeviceClass) field.ErrorList {
	errs := validation.ValidateObjectMeta(&c.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	for i, s := range c.Spec.Selectors {
		p := field.NewPath("spec", "selectors").Index(i)
		if s.CEL == nil {
			errs = append(errs, field.Required(p.Child("cel"), ""))
		} else if s.CEL.Expression == "" {
			errs = append(errs, field.Required(p.Child("cel", "expression"), ""))
		}
	}
	return errs
}

// ValidateUpdate checks an update of a DeviceClass.
func ValidateUpdate(c, old *resourcev1.DeviceClass) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&c.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, Validate(c)...)
}
