package devicetaintrule

import (
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/resource/resourcevalidation"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&resourcev1.DeviceTaintRule{}, func(obj interface{}) {
		resourcevalidation.DefaultTaint(&obj.(*resourcev1.DeviceTaintRule).Spec.Taint)
	})
}

func prepareForCreate(*resourcev1.DeviceTaintRule)      {}
func prepareForUpdate(_, _ *resourcev1.DeviceTaintRule) {}

// Validate checks the taint and the device selector's driver.
func Validate(r *resourcev1.DeviceTaintRule) field.ErrorList {
	errs := validation.ValidateObjectMeta(&r.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	if sel := r.Spec.DeviceSelector; sel != nil && sel.Driver != nil {
		errs = append(errs, resourcevalidation.ValidateDriverName(*sel.Driver, field.NewPath("spec", "deviceSelector", "driver"))...)
	}
	return append(errs, resourcevalidation.ValidateTaint(&r.Spec.Taint, field.NewPath("spec", "taint"))...)
}

// ValidateUpdate checks an update of a DeviceTaintRule.
func ValidateUpdate(r, old *resourcev1.DeviceTaintRule) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&r.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, Validate(r)...)
}

// ValidateStatusUpdate checks a write to /status: its conditions.
func ValidateStatusUpdate(r, old *resourcev1.DeviceTaintRule) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&r.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, metav1validation.ValidateConditions(r.Status.Conditions, field.NewPath("status", "conditions"))...)
}
