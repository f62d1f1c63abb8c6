package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"testing"
)

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEnsureCreatesThenReuses(t *testing.T) {
	dir := t.TempDir()
	f, err := Ensure(dir, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	ca := readCert(t, f.CACert())
	admin := readCert(t, f.AdminCert())
	if len(admin.Subject.Organization) != 1 || admin.Subject.Organization[0] != "system:masters" {
		t.Errorf("admin organization = %v", admin.Subject.Organization)
	}
	if err := admin.CheckSignatureFrom(ca); err != nil {
		t.Errorf("admin cert not signed by CA: %v", err)
	}
	kc := readCert(t, f.KubeletClientCert())
	if kc.Subject.CommonName != "kube-apiserver-kubelet-client" || len(kc.Subject.Organization) != 1 || kc.Subject.Organization[0] != "system:masters" {
		t.Errorf("kubelet client subject = %v", kc.Subject)
	}
	if len(kc.ExtKeyUsage) != 1 || kc.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		t.Errorf("kubelet client usages = %v", kc.ExtKeyUsage)
	}
	if err := kc.CheckSignatureFrom(ca); err != nil {
		t.Errorf("kubelet client cert not signed by CA: %v", err)
	}
	kcBefore, _ := os.ReadFile(f.KubeletClientCert())
	serving := readCert(t, f.ServingCert())
	if err := serving.VerifyHostname("127.0.0.1"); err != nil {
		t.Error(err)
	}
	before, _ := os.ReadFile(f.ServingCert())

	// Same names: nothing is reissued.
	if _, err := Ensure(dir, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(f.ServingCert())
	if !bytes.Equal(before, after) {
		t.Error("serving certificate reissued without need")
	}
	if kcAfter, _ := os.ReadFile(f.KubeletClientCert()); !bytes.Equal(kcBefore, kcAfter) {
		t.Error("kubelet client certificate reissued without need")
	}

	// A new SAN reissues the serving certificate under the same CA.
	if _, err := Ensure(dir, []string{"localhost", "skiff.example.com"}, []net.IP{net.ParseIP("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	serving = readCert(t, f.ServingCert())
	if err := serving.VerifyHostname("skiff.example.com"); err != nil {
		t.Errorf("new SAN missing: %v", err)
	}
	if !readCert(t, f.CACert()).Equal(ca) {
		t.Error("CA replaced")
	}
}
