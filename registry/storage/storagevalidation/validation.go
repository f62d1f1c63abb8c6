// Package storagevalidation holds checks the storage.k8s.io/v1 resources share.
package storagevalidation

import (
	"strings"

	"k8s.io/apimachinery/pkg/api/validation"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	maxParameters    = 512
	maxParameterSize = 256 * (1 << 10)
)

// ValidateProvisioner requires a qualified name (provisioner, driverName).
func ValidateProvisioner(provisioner string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if provisioner == "" {
		return append(errs, field.Required(p, provisioner))
	}
	for _, msg := range utilvalidation.IsQualifiedName(strings.ToLower(provisioner)) {
		errs = append(errs, field.Invalid(p, strings.ToLower(provisioner), msg))
	}
	return errs
}

// ValidateParameters checks keys are non-empty and the total size.
func ValidateParameters(params map[string]string, allowEmpty bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(params) > maxParameters {
		return append(errs, field.TooLong(p, "", maxParameters))
	}
	size := 0
	for k, v := range params {
		if k == "" {
			errs = append(errs, field.Invalid(p, k, "field can not be empty."))
		}
		size += len(k) + len(v)
	}
	if size > maxParameterSize {
		errs = append(errs, field.TooLong(p, "", maxParameterSize))
	}
	if !allowEmpty && len(params) == 0 {
		errs = append(errs, field.Required(p, "must contain at least one key/value pair"))
	}
	return errs
}

// ValidateCSIDriverName checks a CSI driver name: at most 63 characters, a
// DNS-1123 subdomain-like name (lowercased), as upstream's ValidateCSIDriverName.
func ValidateCSIDriverName(name string, p *field.Path) field.ErrorList {
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

// NodeName validates a node name as a DNS subdomain.
func NodeName(name string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.NameIsDNSSubdomain(name, false) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}
