// Package resourcevalidation holds the defaulting and validation the
// resource.k8s.io/v1 resources share, mirroring parts of upstream's
// pkg/apis/resource/v1/defaults.go and pkg/apis/resource/validation.
package resourcevalidation

import (
	"strings"
	"time"

	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// DefaultClaimSpec defaults each request's allocation mode (ExactCount) and
// count (1), and toleration operators (Equal).
func DefaultClaimSpec(spec *resourcev1.ResourceClaimSpec) {
	for i := range spec.Devices.Requests {
		r := &spec.Devices.Requests[i]
		if e := r.Exactly; e != nil {
			if e.AllocationMode == "" {
				e.AllocationMode = resourcev1.DeviceAllocationModeExactCount
			}
			if e.AllocationMode == resourcev1.DeviceAllocationModeExactCount && e.Count == 0 {
				e.Count = 1
			}
			defaultTolerations(e.Tolerations)
		}
		for j := range r.FirstAvailable {
			s := &r.FirstAvailable[j]
			if s.AllocationMode == "" {
				s.AllocationMode = resourcev1.DeviceAllocationModeExactCount
			}
			if s.AllocationMode == resourcev1.DeviceAllocationModeExactCount && s.Count == 0 {
				s.Count = 1
			}
			defaultTolerations(s.Tolerations)
		}
	}
}

func defaultTolerations(ts []resourcev1.DeviceToleration) {
	for i := range ts {
		if ts[i].Operator == "" {
			ts[i].Operator = resourcev1.DeviceTolerationOpEqual
		}
	}
}

// DefaultTaint stamps timeAdded with the current second.
func DefaultTaint(t *resourcev1.DeviceTaint) {
	if t.TimeAdded == nil {
		t.TimeAdded = &metav1.Time{Time: time.Now().Truncate(time.Second)}
	}
}

// ValidateDriverName checks a DRA driver name: a lowercase DNS subdomain of
// at most 63 characters.
func ValidateDriverName(name string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		return append(errs, field.Required(p, ""))
	}
	if len(name) > 63 {
		errs = append(errs, field.TooLong(p, name, 63))
	}
	for _, msg := range utilvalidation.IsDNS1123Subdomain(strings.ToLower(name)) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

// ValidateClaimSpec checks request names (unique DNS labels) and that each
// request has exactly one of exactly and firstAvailable.
func ValidateClaimSpec(spec *resourcev1.ResourceClaimSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	rp := p.Child("devices", "requests")
	names := map[string]bool{}
	for i, r := range spec.Devices.Requests {
		ip := rp.Index(i)
		if r.Name == "" {
			errs = append(errs, field.Required(ip.Child("name"), ""))
		} else {
			for _, msg := range validation.NameIsDNSLabel(r.Name, false) {
				errs = append(errs, field.Invalid(ip.Child("name"), r.Name, msg))
			}
			if names[r.Name] {
				errs = append(errs, field.Duplicate(ip.Child("name"), r.Name))
			}
			names[r.Name] = true
		}
		switch {
		case r.Exactly == nil && len(r.FirstAvailable) == 0:
			errs = append(errs, field.Required(ip, "exactly one of `exactly` or `firstAvailable` is required"))
		case r.Exactly != nil && len(r.FirstAvailable) > 0:
			errs = append(errs, field.Invalid(ip, nil, "exactly one of `exactly` or `firstAvailable` is required, but multiple fields are set"))
		case r.Exactly != nil:
			errs = append(errs, validateExact(r.Exactly, ip.Child("exactly"))...)
		}
	}
	return errs
}

func validateExact(e *resourcev1.ExactDeviceRequest, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if e.DeviceClassName == "" {
		errs = append(errs, field.Required(p.Child("deviceClassName"), ""))
	} else {
		for _, msg := range validation.NameIsDNSSubdomain(e.DeviceClassName, false) {
			errs = append(errs, field.Invalid(p.Child("deviceClassName"), e.DeviceClassName, msg))
		}
	}
	switch e.AllocationMode {
	case resourcev1.DeviceAllocationModeAll:
		if e.Count != 0 {
			errs = append(errs, field.Invalid(p.Child("count"), e.Count, "must not be specified when allocationMode is 'All'"))
		}
	case resourcev1.DeviceAllocationModeExactCount:
		if e.Count <= 0 {
			errs = append(errs, field.Invalid(p.Child("count"), e.Count, "must be greater than zero"))
		}
	default:
		errs = append(errs, field.NotSupported(p.Child("allocationMode"), e.AllocationMode, []resourcev1.DeviceAllocationMode{resourcev1.DeviceAllocationModeAll, resourcev1.DeviceAllocationModeExactCount}))
	}
	return errs
}

// ValidateTaint checks a device taint's key, value and effect.
func ValidateTaint(t *resourcev1.DeviceTaint, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if t.Key == "" {
		errs = append(errs, field.Required(p.Child("key"), ""))
	} else {
		for _, msg := range utilvalidation.IsQualifiedName(t.Key) {
			errs = append(errs, field.Invalid(p.Child("key"), t.Key, msg))
		}
	}
	if t.Value != "" {
		for _, msg := range utilvalidation.IsValidLabelValue(t.Value) {
			errs = append(errs, field.Invalid(p.Child("value"), t.Value, msg))
		}
	}
	switch t.Effect {
	case resourcev1.DeviceTaintEffectNoSchedule, resourcev1.DeviceTaintEffectNoExecute, resourcev1.DeviceTaintEffectNone:
	case "":
		errs = append(errs, field.Required(p.Child("effect"), ""))
	default:
		errs = append(errs, field.NotSupported(p.Child("effect"), t.Effect, []resourcev1.DeviceTaintEffect{resourcev1.DeviceTaintEffectNoExecute, resourcev1.DeviceTaintEffectNoSchedule, resourcev1.DeviceTaintEffectNone}))
	}
	return errs
}
