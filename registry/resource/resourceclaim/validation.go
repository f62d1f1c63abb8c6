package resourceclaim

import (
	"strings"

	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/resource/resourcevalidation"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&resourcev1.ResourceClaim{}, func(obj interface{}) {
		resourcevalidation.DefaultClaimSpec(&obj.(*resourcev1.ResourceClaim).Spec)
	})
}

func prepareForCreate(*resourcev1.ResourceClaim)      {}
func prepareForUpdate(_, _ *resourcev1.ResourceClaim) {}

// Validate checks the claim's device requests.
func Validate(c *resourcev1.ResourceClaim) field.ErrorList {
	errs := validation.ValidateObjectMeta(&c.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, resourcevalidation.ValidateClaimSpec(&c.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate keeps the spec immutable, as upstream.
func ValidateUpdate(c, old *resourcev1.ResourceClaim) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&c.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, validation.ValidateImmutableField(c.Spec, old.Spec, field.NewPath("spec"))...)
}

// ValidateStatusUpdate checks a write to /status: reservedFor entries are
// unique and name their consumer.
func ValidateStatusUpdate(c, old *resourcev1.ResourceClaim) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&c.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	p := field.NewPath("status", "reservedFor")
	seen := map[string]bool{}
	for i, r := range c.Status.ReservedFor {
		if r.Resource == "" {
			errs = append(errs, field.Required(p.Index(i).Child("resource"), ""))
		}
		if r.Name == "" {
			errs = append(errs, field.Required(p.Index(i).Child("name"), ""))
		}
		if r.UID == "" {
			errs = append(errs, field.Required(p.Index(i).Child("uid"), ""))
		}
		if seen[string(r.UID)] {
			errs = append(errs, field.Duplicate(p.Index(i), r))
		}
		seen[string(r.UID)] = true
	}
	if len(c.Status.ReservedFor) > 0 && c.Status.Allocation == nil {
		errs = append(errs, field.Forbidden(p, "may not be specified when `allocated` is not set"))
	}
	return errs
}

// State summarises a claim as kubectl prints it: deleted, pending,
// allocated, reserved.
func State(c *resourcev1.ResourceClaim) string {
	var states []string
	if c.DeletionTimestamp != nil {
		states = append(states, "deleted")
	}
	if c.Status.Allocation == nil {
		if c.DeletionTimestamp == nil {
			states = append(states, "pending")
		}
	} else {
		states = append(states, "allocated")
		if len(c.Status.ReservedFor) > 0 {
			states = append(states, "reserved")
		}
	}
	return strings.Join(states, ",")
}
