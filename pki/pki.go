// Package pki creates, and on later starts reuses, the certificates of a
// skiff data directory: a cluster CA, the apiserver's serving certificate, an
// admin client certificate (O=system:masters) and the apiserver's client
// certificate towards kubelets, plus an admin kubeconfig.
package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Files names the PEM files of a data directory.
type Files struct {
	Dir string
}

func (f Files) CACert() string      { return filepath.Join(f.Dir, "ca.crt") }
func (f Files) CAKey() string       { return filepath.Join(f.Dir, "ca.key") }
func (f Files) ServingCert() string { return filepath.Join(f.Dir, "serving.crt") }
func (f Files) ServingKey() string  { return filepath.Join(f.Dir, "serving.key") }
func (f Files) AdminCert() string   { return filepath.Join(f.Dir, "admin.crt") }
func (f Files) AdminKey() string    { return filepath.Join(f.Dir, "admin.key") }

// KubeletClientCert and KubeletClientKey are the client certificate the API
// server presents to kubelets (logs, exec, attach, port-forward, node
// proxy), as kube-apiserver's --kubelet-client-certificate.
func (f Files) KubeletClientCert() string {
	return filepath.Join(f.Dir, "apiserver-kubelet-client.crt")
}
func (f Files) KubeletClientKey() string {
	return filepath.Join(f.Dir, "apiserver-kubelet-client.key")
}

// Ensure makes sure the CA, serving, admin and kubelet client certificates
// exist. The serving
// certificate is reissued when it lacks one of the wanted names, so adding a
// --tls-san takes effect on the next start without discarding the CA.
func Ensure(dir string, dnsNames []string, ips []net.IP) (Files, error) {
	f := Files{Dir: dir}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return f, err
	}
	ca, caKey, err := loadPair(f.CACert(), f.CAKey())
	if errors.Is(err, os.ErrNotExist) {
		ca, caKey, err = newCA(f)
	}
	if err != nil {
		return f, fmt.Errorf("cluster CA: %w", err)
	}
	serving, _, err := loadPair(f.ServingCert(), f.ServingKey())
	if err != nil || !covers(serving, dnsNames, ips) || serving.CheckSignatureFrom(ca) != nil {
		tmpl := leafTemplate("skiff-apiserver", nil, x509.ExtKeyUsageServerAuth)
		tmpl.DNSNames, tmpl.IPAddresses = dnsNames, ips
		if err := issue(tmpl, ca, caKey, f.ServingCert(), f.ServingKey()); err != nil {
			return f, fmt.Errorf("serving certificate: %w", err)
		}
	}
	admin, _, err := loadPair(f.AdminCert(), f.AdminKey())
	if err != nil || admin.CheckSignatureFrom(ca) != nil {
		tmpl := leafTemplate("skiff-admin", []string{"system:masters"}, x509.ExtKeyUsageClientAuth)
		if err := issue(tmpl, ca, caKey, f.AdminCert(), f.AdminKey()); err != nil {
			return f, fmt.Errorf("admin certificate: %w", err)
		}
	}
	kc, _, err := loadPair(f.KubeletClientCert(), f.KubeletClientKey())
	if err != nil || kc.CheckSignatureFrom(ca) != nil || !time.Now().Add(24*time.Hour).Before(kc.NotAfter) {
		tmpl := leafTemplate(KubeletClientCN, []string{"system:masters"}, x509.ExtKeyUsageClientAuth)
		if err := issue(tmpl, ca, caKey, f.KubeletClientCert(), f.KubeletClientKey()); err != nil {
			return f, fmt.Errorf("kubelet client certificate: %w", err)
		}
	}
	return f, nil
}

// KubeletClientCN is the common name of the API server's kubelet client
// certificate, kubeadm's.
const KubeletClientCN = "kube-apiserver-kubelet-client"

func covers(c *x509.Certificate, dnsNames []string, ips []net.IP) bool {
	for _, n := range dnsNames {
		if !slices.Contains(c.DNSNames, n) {
			return false
		}
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(c.IPAddresses, ip.Equal) {
			return false
		}
	}
	return time.Now().Add(24 * time.Hour).Before(c.NotAfter)
}

func newCA(f Files) (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: fmt.Sprintf("skiff-ca@%d", now.Unix())},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	if err := writePair(f.CACert(), f.CAKey(), der, key); err != nil {
		return nil, nil, err
	}
	ca, err := x509.ParseCertificate(der)
	return ca, key, err
}

func leafTemplate(cn string, orgs []string, usage x509.ExtKeyUsage) *x509.Certificate {
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
}

func issue(tmpl, ca *x509.Certificate, caKey crypto.Signer, certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return err
	}
	return writePair(certPath, keyPath, der, key)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		panic(err)
	}
	return n
}

func writePair(certPath, keyPath string, der []byte, key *ecdsa.PrivateKey) error {
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func loadPair(certPath, keyPath string) (*x509.Certificate, crypto.Signer, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, fmt.Errorf("%s or %s is not PEM", certPath, keyPath)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// ReadPEM returns a file's bytes, for embedding in a kubeconfig.
func ReadPEM(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return bytes.TrimSpace(b), nil
}
