package controllers4

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"slices"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
)

// newCSR makes a key and a PEM certificate request for subject.
func newCSR(t *testing.T, subject pkix.Name) ([]byte, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: subject}, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

func createCSR(t *testing.T, name, signer string, req []byte, usages []certificatesv1.KeyUsage, expiration *int32) {
	t.Helper()
	_, err := srv.Client.CertificatesV1().CertificateSigningRequests().Create(ctx, &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       certificatesv1.CertificateSigningRequestSpec{Request: req, SignerName: signer, Usages: usages, ExpirationSeconds: expiration},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Client.CertificatesV1().CertificateSigningRequests().Delete(ctx, name, metav1.DeleteOptions{})
	})
}

// waitCSR polls name until done says so, and returns it.
func waitCSR(t *testing.T, name string, done func(*certificatesv1.CertificateSigningRequest) bool) *certificatesv1.CertificateSigningRequest {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		csr, err := srv.Client.CertificatesV1().CertificateSigningRequests().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if done(csr) {
			return csr
		}
		if time.Now().After(deadline) {
			t.Fatalf("csr %s: status %+v", name, csr.Status.Conditions)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func approve(t *testing.T, name string) {
	t.Helper()
	csr, err := srv.Client.CertificatesV1().CertificateSigningRequests().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
		Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue, Reason: "KubectlApprove", Message: "This CSR was approved by kubectl certificate approve.",
	})
	if _, err := srv.Client.CertificatesV1().CertificateSigningRequests().UpdateApproval(ctx, name, csr, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func parseCert(t *testing.T, b []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("status.certificate is not a PEM certificate: %q", b)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func condition(csr *certificatesv1.CertificateSigningRequest, typ certificatesv1.RequestConditionType) *certificatesv1.CertificateSigningRequestCondition {
	for i := range csr.Status.Conditions {
		if csr.Status.Conditions[i].Type == typ {
			return &csr.Status.Conditions[i]
		}
	}
	return nil
}

// A kubelet's client certificate request is approved by csrapproving and
// signed by the cluster CA, and the certificate logs in as the node.
func TestKubeletClientCSRApprovedAndSigned(t *testing.T) {
	req, key := newCSR(t, pkix.Name{CommonName: "system:node:csr-node", Organization: []string{"system:nodes"}})
	createCSR(t, "node-csr-1", certificatesv1.KubeAPIServerClientKubeletSignerName, req,
		[]certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth}, nil)
	csr := waitCSR(t, "node-csr-1", func(c *certificatesv1.CertificateSigningRequest) bool { return len(c.Status.Certificate) > 0 })
	a := condition(csr, certificatesv1.CertificateApproved)
	if a == nil || a.Reason != "AutoApproved" || a.Message != "Auto approving kubelet client certificate after SubjectAccessReview." {
		t.Errorf("approval condition %+v", a)
	}
	cert := parseCert(t, csr.Status.Certificate)
	if cert.Subject.CommonName != "system:node:csr-node" || !slices.Equal(cert.Subject.Organization, []string{"system:nodes"}) {
		t.Errorf("subject %v", cert.Subject)
	}
	if !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) || cert.KeyUsage != x509.KeyUsageDigitalSignature || cert.IsCA {
		t.Errorf("usages %v %v, CA %v", cert.KeyUsage, cert.ExtKeyUsage, cert.IsCA)
	}
	if life := cert.NotAfter.Sub(cert.NotBefore); life != 365*24*time.Hour {
		t.Errorf("lifetime %v, want a year (backdated 5 minutes at both ends)", life)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(srv.Config.CAData)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("certificate does not chain to the cluster CA: %v", err)
	}

	cfg := rest.AnonymousClientConfig(srv.Config)
	cfg.CertData, cfg.KeyData = csr.Status.Certificate, key
	node, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	who, err := node.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if u := who.Status.UserInfo; u.Username != "system:node:csr-node" || !slices.Contains(u.Groups, "system:nodes") {
		t.Errorf("the signed certificate authenticates as %+v", u)
	}
}

// A request its signer's rules refuse is failed, not signed; one asking
// for a short lifetime gets it.
func TestCSRSignerRules(t *testing.T) {
	req, _ := newCSR(t, pkix.Name{CommonName: "alice", Organization: []string{"dev"}})
	createCSR(t, "alice-server", certificatesv1.KubeAPIServerClientSignerName, req,
		[]certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageServerAuth}, nil)
	approve(t, "alice-server")
	csr := waitCSR(t, "alice-server", func(c *certificatesv1.CertificateSigningRequest) bool {
		return condition(c, certificatesv1.CertificateFailed) != nil
	})
	f := condition(csr, certificatesv1.CertificateFailed)
	if f.Status != corev1.ConditionTrue || f.Reason != "SignerValidationFailure" || f.Message != "invalid usage for client certificate: server auth" || len(csr.Status.Certificate) != 0 {
		t.Errorf("failed condition %+v, certificate %d bytes", f, len(csr.Status.Certificate))
	}

	// Not a kubelet request: it waits for a person, then is signed for the
	// hour it asks.
	createCSR(t, "alice-client", certificatesv1.KubeAPIServerClientSignerName, req,
		[]certificatesv1.KeyUsage{certificatesv1.UsageClientAuth}, ptr.To(int32(3600)))
	time.Sleep(time.Second)
	if c, _ := srv.Client.CertificatesV1().CertificateSigningRequests().Get(ctx, "alice-client", metav1.GetOptions{}); len(c.Status.Conditions) != 0 {
		t.Fatalf("a non-kubelet request was handled without approval: %+v", c.Status.Conditions)
	}
	approve(t, "alice-client")
	start := time.Now()
	csr = waitCSR(t, "alice-client", func(c *certificatesv1.CertificateSigningRequest) bool { return len(c.Status.Certificate) > 0 })
	cert := parseCert(t, csr.Status.Certificate)
	if cert.Subject.CommonName != "alice" || fmt.Sprint(cert.ExtKeyUsage) != fmt.Sprint([]x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) {
		t.Errorf("certificate %v %v", cert.Subject, cert.ExtKeyUsage)
	}
	if end := cert.NotAfter.Sub(start); end < 59*time.Minute || end > 61*time.Minute {
		t.Errorf("NotAfter %v after approval, want an hour", end)
	}
	if back := start.Sub(cert.NotBefore); back < 4*time.Minute || back > 6*time.Minute {
		t.Errorf("NotBefore %v before approval, want 5 minutes", back)
	}
}
