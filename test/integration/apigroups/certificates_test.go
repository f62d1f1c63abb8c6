package apigroups

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func csrPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "jane", Organization: []string{"devs"}}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func TestCertificateSigningRequest(t *testing.T) {
	c := srv.Client.CertificatesV1().CertificateSigningRequests()
	csr, err := c.Create(ctx, &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "jane"},
		Spec: certificatesv1.CertificateSigningRequestSpec{
			Request:           csrPEM(t),
			SignerName:        certificatesv1.KubeAPIServerClientSignerName,
			Usages:            []certificatesv1.KeyUsage{certificatesv1.UsageClientAuth},
			ExpirationSeconds: ptr.To[int32](3600),
			Username:          "someone-else",
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, csr.Name, metav1.DeleteOptions{}) })
	me, err := srv.Client.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if csr.Spec.Username != me.Status.UserInfo.Username {
		t.Errorf("username = %q, want the requester %q", csr.Spec.Username, me.Status.UserInfo.Username)
	}
	if csr.Spec.Username == "someone-else" {
		t.Errorf("client-supplied username kept")
	}

	// Spec is immutable: an update silently keeps it.
	csr.Spec.SignerName = "example.com/other"
	upd, err := c.Update(ctx, csr, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Spec.SignerName != certificatesv1.KubeAPIServerClientSignerName {
		t.Errorf("spec changed through update: %s", upd.Spec.SignerName)
	}

	// Approval goes through /approval; conditions can't be added through update.
	upd.Status.Conditions = append(upd.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
		Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue, Reason: "Test",
	})
	approved, err := c.UpdateApproval(ctx, upd.Name, upd, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(approved.Status.Conditions) != 1 || approved.Status.Conditions[0].LastUpdateTime.IsZero() {
		t.Errorf("conditions = %+v", approved.Status.Conditions)
	}

	table := getTable(t, "/apis/certificates.k8s.io/v1/certificatesigningrequests")
	if got := strings.Join(columns(table), ","); got != "Name,Age,SignerName,Requestor,RequestedDuration,Condition" {
		t.Errorf("columns = %s", got)
	}
	if row := rowFor(t, table, "jane"); row[2] != certificatesv1.KubeAPIServerClientSignerName || row[4] != "60m" || row[5] != "Approved" {
		t.Errorf("row = %v", row)
	}

	list, err := c.List(ctx, metav1.ListOptions{FieldSelector: "spec.signerName=example.com/none"})
	if err != nil || len(list.Items) != 0 {
		t.Errorf("field selector: %v %d", err, len(list.Items))
	}
	list, err = c.List(ctx, metav1.ListOptions{FieldSelector: "spec.signerName=" + certificatesv1.KubeAPIServerClientSignerName})
	if err != nil || len(list.Items) != 1 {
		t.Errorf("field selector: %v %d", err, len(list.Items))
	}
}

func TestCertificateSigningRequestValidation(t *testing.T) {
	_, err := srv.Client.CertificatesV1().CertificateSigningRequests().Create(ctx, &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "bad"},
		Spec: certificatesv1.CertificateSigningRequestSpec{
			Request:           []byte("not pem"),
			SignerName:        "nodomain",
			Usages:            []certificatesv1.KeyUsage{"flying"},
			ExpirationSeconds: ptr.To[int32](60),
		},
	}, metav1.CreateOptions{})
	for _, f := range []string{"spec.request", "spec.signerName", "spec.usages[0]", "spec.expirationSeconds"} {
		assertInvalid(t, err, f)
	}
}

func TestClusterTrustBundleValidation(t *testing.T) {
	_, err := srv.Client.CertificatesV1().ClusterTrustBundles().Create(ctx, &certificatesv1.ClusterTrustBundle{
		ObjectMeta: metav1.ObjectMeta{Name: "wrong-name"},
		Spec:       certificatesv1.ClusterTrustBundleSpec{SignerName: "example.com/signer", TrustBundle: "nothing"},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "metadata.name")
	assertInvalid(t, err, "spec.trustBundle")
}
