package csrsigning

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"

	certificatesv1 "k8s.io/api/certificates/v1"
	certificatesv1beta1 "k8s.io/api/certificates/v1beta1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// Signers are the signer names this controller issues for, each with the
// rule a request must meet (upstream's messages).
var Signers = map[string]func(*x509.CertificateRequest, []certificatesv1.KeyUsage) error{
	certificatesv1.KubeAPIServerClientSignerName:        func(_ *x509.CertificateRequest, u []certificatesv1.KeyUsage) error { return validateClientUsages(u) },
	certificatesv1.KubeAPIServerClientKubeletSignerName: ValidateKubeletClient,
	certificatesv1.KubeletServingSignerName:             ValidateKubeletServing,
	certificatesv1beta1.LegacyUnknownSignerName:         func(*x509.CertificateRequest, []certificatesv1.KeyUsage) error { return nil },
}

// ParseCSR decodes a PEM CERTIFICATE REQUEST.
func ParseCSR(pemBytes []byte) (*x509.CertificateRequest, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, errors.New("PEM block type must be CERTIFICATE REQUEST")
	}
	return x509.ParseCertificateRequest(block.Bytes)
}

func validateClientUsages(usages []certificatesv1.KeyUsage) error {
	hasClientAuth := false
	for _, u := range usages {
		switch u {
		case certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment:
		case certificatesv1.UsageClientAuth:
			hasClientAuth = true
		default:
			return fmt.Errorf("invalid usage for client certificate: %s", u)
		}
	}
	if !hasClientAuth {
		return fmt.Errorf("missing required usage for client certificate: %s", certificatesv1.UsageClientAuth)
	}
	return nil
}

var (
	errNotSystemNodes = errors.New("subject organization is not system:nodes")
	errNotNodeName    = errors.New("subject common name does not begin with system:node:")
)

// The usage sets a kubelet certificate must have exactly, with and without
// key encipherment (which only RSA keys need).
var (
	kubeletClientUsages       = usageSet(certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment, certificatesv1.UsageClientAuth)
	kubeletClientUsagesNoRSA  = usageSet(certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth)
	kubeletServingUsages      = usageSet(certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment, certificatesv1.UsageServerAuth)
	kubeletServingUsagesNoRSA = usageSet(certificatesv1.UsageDigitalSignature, certificatesv1.UsageServerAuth)
)

func usageSet(us ...certificatesv1.KeyUsage) sets.Set[string] {
	s := sets.New[string]()
	for _, u := range us {
		s.Insert(string(u))
	}
	return s
}

// ValidateKubeletClient is the rule for kube-apiserver-client-kubelet: a
// node's identity (O=system:nodes, CN=system:node:<name>), no
// subjectAltNames, client usages.
func ValidateKubeletClient(req *x509.CertificateRequest, usages []certificatesv1.KeyUsage) error {
	if !slices.Equal(req.Subject.Organization, []string{"system:nodes"}) {
		return errNotSystemNodes
	}
	switch {
	case len(req.DNSNames) > 0:
		return errors.New("DNS subjectAltNames are not allowed")
	case len(req.EmailAddresses) > 0:
		return errors.New("Email subjectAltNames are not allowed")
	case len(req.IPAddresses) > 0:
		return errors.New("IP subjectAltNames are not allowed")
	case len(req.URIs) > 0:
		return errors.New("URI subjectAltNames are not allowed")
	}
	if !strings.HasPrefix(req.Subject.CommonName, "system:node:") {
		return errNotNodeName
	}
	if u := usageSet(usages...); !u.Equal(kubeletClientUsages) && !u.Equal(kubeletClientUsagesNoRSA) {
		return fmt.Errorf("usages did not match %v", sets.List(kubeletClientUsages))
	}
	return nil
}

// ValidateKubeletServing is the rule for kubelet-serving: a node's
// identity with DNS or IP names only, server usages.
func ValidateKubeletServing(req *x509.CertificateRequest, usages []certificatesv1.KeyUsage) error {
	if !slices.Equal(req.Subject.Organization, []string{"system:nodes"}) {
		return errNotSystemNodes
	}
	switch {
	case len(req.DNSNames) == 0 && len(req.IPAddresses) == 0:
		return errors.New("DNS or IP subjectAltName is required")
	case len(req.EmailAddresses) > 0:
		return errors.New("Email subjectAltNames are not allowed")
	case len(req.URIs) > 0:
		return errors.New("URI subjectAltNames are not allowed")
	}
	if u := usageSet(usages...); !u.Equal(kubeletServingUsages) && !u.Equal(kubeletServingUsagesNoRSA) {
		return fmt.Errorf("usages did not match %v", sets.List(kubeletServingUsages))
	}
	if !strings.HasPrefix(req.Subject.CommonName, "system:node:") {
		return errNotNodeName
	}
	return nil
}
