package resourceclaimtemplate

import (
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/resource/resourcevalidation"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&resourcev1.ResourceClaimTemplate{}, func(obj interface{}) {
		resourcevalidation.DefaultClaimSpec(&obj.(*resourcev1.ResourceClaimTemplate).Spec.Spec)
	})
}

func prepareForCreate(*resourcev1.ResourceClaimTemplate)      {}
func prepareForUpdate(_, _ *resourcev1.ResourceClaimTemplate) {}

// Validate checks the template's claim spec.
func Validate(t *resourcev1.ResourceClaimTemplate) field.ErrorList {
	errs := validation.ValidateObjectMeta(&t.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, resourcevalidation.ValidateClaimSpec(&t.Spec.Spec, field.NewPath("spec", "spec"))...)
}

// ValidateUpdate keeps the spec immutable, as upstream.
func ValidateUpdate(t, old *resourcev1.ResourceClaimTemplate) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&t.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, validation.ValidateImmutableField(t.Spec, old.Spec, field.NewPath("spec"))...)
}
