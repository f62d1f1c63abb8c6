package podcertificaterequest

import (
	"fmt"

	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/certificates/signer"
)

const (
	minMaxExpiration     = 60 * 60
	maxMaxExpiration     = 91 * 24 * 60 * 60
	kubeMaxMaxExpiration = 24 * 60 * 60
)

func prepareForCreate(*certificatesv1.PodCertificateRequest)      {}
func prepareForUpdate(_, _ *certificatesv1.PodCertificateRequest) {}

// Validate checks a new PodCertificateRequest as upstream does, except that
// the proof of possession is not verified.
func Validate(o *certificatesv1.PodCertificateRequest) field.ErrorList {
	errs := validation.ValidateObjectMeta(&o.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	errs = append(errs, signer.ValidateName(spec.Child("signerName"), o.Spec.SignerName)...)
	for _, msg := range validation.NameIsDNSSubdomain(o.Spec.PodName, false) {
		errs = append(errs, field.Invalid(spec.Child("podName"), o.Spec.PodName, msg))
	}
	for _, msg := range validation.ValidateServiceAccountName(o.Spec.ServiceAccountName, false) {
		errs = append(errs, field.Invalid(spec.Child("serviceAccountName"), o.Spec.ServiceAccountName, msg))
	}
	for _, msg := range validation.NameIsDNSSubdomain(string(o.Spec.NodeName), false) {
		errs = append(errs, field.Invalid(spec.Child("nodeName"), o.Spec.NodeName, msg))
	}
	for name, uid := range map[string]string{"podUID": string(o.Spec.PodUID), "serviceAccountUID": string(o.Spec.ServiceAccountUID), "nodeUID": string(o.Spec.NodeUID)} {
		if uid == "" {
			errs = append(errs, field.Invalid(spec.Child(name), uid, "must not be empty"))
		}
		if len(uid) > 128 {
			errs = append(errs, field.TooLong(spec.Child(name), uid, 128))
		}
	}
	if o.Spec.MaxExpirationSeconds == nil {
		errs = append(errs, field.Required(spec.Child("maxExpirationSeconds"), "must be set"))
	} else {
		max := maxMaxExpiration
		if signer.IsKubernetesSigner(o.Spec.SignerName) {
			max = kubeMaxMaxExpiration
		}
		if v := int(*o.Spec.MaxExpirationSeconds); v < minMaxExpiration || v > max {
			errs = append(errs, field.Invalid(spec.Child("maxExpirationSeconds"), o.Spec.MaxExpirationSeconds, fmt.Sprintf("must be in the range [%d, %d]", minMaxExpiration, max)))
		}
	}
	if len(o.Spec.StubPKCS10Request) == 0 {
		errs = append(errs, field.Invalid(spec, field.OmitValueType{}, "exactly one of (stubPKCS10Request) or (pkixPublicKey, proofOfPossession) must be set"))
	}
	return errs
}

// ValidateUpdate keeps the whole spec immutable.
func ValidateUpdate(o, old *certificatesv1.PodCertificateRequest) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&o.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, validation.ValidateImmutableField(o.Spec, old.Spec, field.NewPath("spec"))...)
}

// ValidateStatusUpdate allows at most one of the Issued, Denied and Failed
// conditions, each True.
func ValidateStatusUpdate(o, old *certificatesv1.PodCertificateRequest) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&o.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	p := field.NewPath("status", "conditions")
	errs = append(errs, metav1validation.ValidateConditions(o.Status.Conditions, p)...)
	known := 0
	for i, c := range o.Status.Conditions {
		switch c.Type {
		case certificatesv1.PodCertificateRequestConditionTypeIssued, certificatesv1.PodCertificateRequestConditionTypeDenied, certificatesv1.PodCertificateRequestConditionTypeFailed:
			known++
			if c.Status != "True" {
				errs = append(errs, field.NotSupported(p.Index(i).Child("status"), c.Status, []string{"True"}))
			}
		}
	}
	if known > 1 {
		errs = append(errs, field.Invalid(p, o.Status.Conditions, "at most one of Issued, Denied, or Failed may be set"))
	}
	return errs
}
