package volumeattributesclass

import (
	"reflect"

	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/storage/storagevalidation"
)

func prepareForCreate(*storagev1.VolumeAttributesClass)      {}
func prepareForUpdate(_, _ *storagev1.VolumeAttributesClass) {}

// Validate requires a driver name and at least one parameter.
func Validate(c *storagev1.VolumeAttributesClass) field.ErrorList {
	errs := validation.ValidateObjectMeta(&c.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	errs = append(errs, storagevalidation.ValidateProvisioner(c.DriverName, field.NewPath("driverName"))...)
	return append(errs, storagevalidation.ValidateParameters(c.Parameters, false, field.NewPath("parameters"))...)
}

// ValidateUpdate forbids changing driverName and parameters.
func ValidateUpdate(c, old *storagev1.VolumeAttributesClass) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&c.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	if c.DriverName != old.DriverName {
		errs = append(errs, field.Forbidden(field.NewPath("driverName"), "updates to driverName are forbidden."))
	}
	if !reflect.DeepEqual(old.Parameters, c.Parameters) {
		errs = append(errs, field.Forbidden(field.NewPath("parameters"), "updates to parameters are forbidden."))
	}
	return append(errs, Validate(c)...)
}
