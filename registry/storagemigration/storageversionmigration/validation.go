package storageversionmigration

import (
	"strings"

	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func prepareForCreate(*storagemigrationv1.StorageVersionMigration)      {}
func prepareForUpdate(_, _ *storagemigrationv1.StorageVersionMigration) {}

// Validate requires the resource to migrate (a DNS-1035 label) and a valid group.
func Validate(m *storagemigrationv1.StorageVersionMigration) field.ErrorList {
	errs := validation.ValidateObjectMeta(&m.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	r := m.Spec.Resource
	if r.Resource == "" {
		errs = append(errs, field.Required(field.NewPath("spec", "resource", "resource"), "resource is required to be set"))
	} else if msgs := utilvalidation.IsDNS1035Label(r.Resource); len(msgs) > 0 {
		errs = append(errs, field.Invalid(field.NewPath("spec", "resource", "resource"), r.Resource, strings.Join(msgs, ",")))
	}
	if r.Group != "" {
		if msgs := utilvalidation.IsDNS1123Subdomain(r.Group); len(msgs) > 0 {
			errs = append(errs, field.Invalid(field.NewPath("spec", "resource", "group"), r.Group, strings.Join(msgs, ",")))
		}
	}
	return errs
}

// ValidateUpdate keeps the spec immutable.
func ValidateUpdate(m, old *storagemigrationv1.StorageVersionMigration) field.ErrorList {
	errs := Validate(m)
	errs = append(errs, validation.ValidateObjectMetaUpdate(&m.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))...)
	return append(errs, validation.ValidateImmutableField(m.Spec, old.Spec, field.NewPath("spec"))...)
}

// ValidateStatusUpdate checks conditions and keeps a set
// status.resourceVersion immutable.
func ValidateStatusUpdate(m, old *storagemigrationv1.StorageVersionMigration) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&m.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, metav1validation.ValidateConditions(m.Status.Conditions, field.NewPath("status", "conditions"))...)
	if old.Status.ResourceVersion != "" && old.Status.ResourceVersion != m.Status.ResourceVersion {
		errs = append(errs, field.Invalid(field.NewPath("status", "resourceVersion"), m.Status.ResourceVersion, "field is immutable"))
	}
	return errs
}
