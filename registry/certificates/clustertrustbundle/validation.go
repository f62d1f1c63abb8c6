package clustertrustbundle

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"

	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/certificates/signer"
)

// maxTrustBundleSize is upstream's 1 MiB limit.
const maxTrustBundleSize = 1 << 20

func prepareForCreate(*certificatesv1.ClusterTrustBundle)      {}
func prepareForUpdate(_, _ *certificatesv1.ClusterTrustBundle) {}

// nameValidator requires bundles with a signer to be named
// "<signer with / as :>:<suffix>", and others to have no ":".
func nameValidator(signerName string) validation.ValidateNameFunc {
	return func(name string, prefix bool) []string {
		if signerName == "" {
			if strings.Contains(name, ":") {
				return []string{"ClusterTrustBundle without signer name must not have \":\" in its name"}
			}
			return validation.NameIsDNSSubdomain(name, prefix)
		}
		required := strings.ReplaceAll(signerName, "/", ":") + ":"
		if !strings.HasPrefix(name, required) {
			return []string{fmt.Sprintf("ClusterTrustBundle for signerName %s must be named with prefix %s", signerName, required)}
		}
		return validation.NameIsDNSSubdomain(strings.TrimPrefix(name, required), prefix)
	}
}

// Validate checks the name, signer name and that the bundle holds only
// unique CA certificates.
func Validate(o *certificatesv1.ClusterTrustBundle) field.ErrorList {
	return validate(o, true)
}

func validate(o *certificatesv1.ClusterTrustBundle, parseBundle bool) field.ErrorList {
	errs := validation.ValidateObjectMeta(&o.ObjectMeta, false, nameValidator(o.Spec.SignerName), field.NewPath("metadata"))
	if o.Spec.SignerName != "" {
		errs = append(errs, signer.ValidateName(field.NewPath("spec", "signerName"), o.Spec.SignerName)...)
	}
	if parseBundle {
		errs = append(errs, validateTrustBundle(field.NewPath("spec", "trustBundle"), o.Spec.TrustBundle)...)
	}
	return errs
}

func validateTrustBundle(path *field.Path, in string) field.ErrorList {
	var errs field.ErrorList
	if len(in) > maxTrustBundleSize {
		return append(errs, field.TooLong(path, "", maxTrustBundleSize))
	}
	seen := map[string][]int{}
	rest := []byte(in)
	for i := 0; ; i++ {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch {
		case b.Type != "CERTIFICATE":
			errs = append(errs, field.Invalid(path, "<value omitted>", fmt.Sprintf("entry %d has bad block type: %v", i, b.Type)))
			continue
		case len(b.Headers) != 0:
			errs = append(errs, field.Invalid(path, "<value omitted>", fmt.Sprintf("entry %d has PEM block headers", i)))
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		switch {
		case err != nil:
			errs = append(errs, field.Invalid(path, "<value omitted>", fmt.Sprintf("entry %d does not parse as X.509", i)))
			continue
		case !cert.IsCA:
			errs = append(errs, field.Invalid(path, "<value omitted>", fmt.Sprintf("entry %d does not have the CA bit set", i)))
			continue
		case !cert.BasicConstraintsValid:
			errs = append(errs, field.Invalid(path, "<value omitted>", fmt.Sprintf("entry %d has invalid basic constraints", i)))
			continue
		}
		seen[string(b.Bytes)] = append(seen[string(b.Bytes)], i)
	}
	if len(errs) != 0 {
		return errs
	}
	if len(seen) == 0 {
		errs = append(errs, field.Invalid(path, "<value omitted>", "at least one trust anchor must be provided"))
	}
	for _, idx := range seen {
		if len(idx) > 1 {
			errs = append(errs, field.Invalid(path, "<value omitted>", fmt.Sprintf("duplicate trust anchor (indices %v)", idx)))
		}
	}
	return errs
}

// ValidateUpdate keeps the signer name immutable and reparses the bundle
// only when it changed.
func ValidateUpdate(o, old *certificatesv1.ClusterTrustBundle) field.ErrorList {
	errs := validate(o, o.Spec.TrustBundle != old.Spec.TrustBundle)
	errs = append(errs, validation.ValidateObjectMetaUpdate(&o.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))...)
	return append(errs, validation.ValidateImmutableField(o.Spec.SignerName, old.Spec.SignerName, field.NewPath("spec", "signerName"))...)
}
