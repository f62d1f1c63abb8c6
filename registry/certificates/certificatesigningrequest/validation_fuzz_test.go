package certificatesigningrequest

import (
	"testing"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FuzzValidate checks CSR validation never panics on arbitrary requests,
// signer names and usages, and that unknown usages are always reported.
func FuzzValidate(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n"), "example.com/signer", "client auth", int32(600))
	f.Add([]byte{}, "", "flying", int32(1))
	f.Fuzz(func(t *testing.T, request []byte, signer, usage string, seconds int32) {
		csr := &certificatesv1.CertificateSigningRequest{
			ObjectMeta: metav1.ObjectMeta{Name: "csr"},
			Spec: certificatesv1.CertificateSigningRequestSpec{
				Request: request, SignerName: signer, Usages: []certificatesv1.KeyUsage{certificatesv1.KeyUsage(usage)}, ExpirationSeconds: &seconds,
			},
		}
		errs := Validate(csr)
		if !validUsages[certificatesv1.KeyUsage(usage)] {
			found := false
			for _, e := range errs {
				found = found || e.Field == "spec.usages[0]"
			}
			if !found {
				t.Errorf("unknown usage %q accepted", usage)
			}
		}
		_ = validateUpdate(csr, csr.DeepCopy(), optionsFor(csr, csr))
	})
}
