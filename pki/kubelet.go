package pki

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// KubeletFiles are the certificates of a node's kubelet: a client
// certificate (system:node:<name> in system:nodes, as the CSR flow of a
// joining node would give) and a serving certificate for its HTTPS API.
type KubeletFiles struct{ Dir, Node string }

func (f KubeletFiles) ClientCert() string  { return filepath.Join(f.Dir, "kubelet-client.crt") }
func (f KubeletFiles) ClientKey() string   { return filepath.Join(f.Dir, "kubelet-client.key") }
func (f KubeletFiles) ServingCert() string { return filepath.Join(f.Dir, "kubelet-serving.crt") }
func (f KubeletFiles) ServingKey() string  { return filepath.Join(f.Dir, "kubelet-serving.key") }

// EnsureKubelet issues the node's kubelet certificates from the cluster
// CA in caDir, into caDir/kubelet, unless valid ones for that node and
// those addresses exist.
func EnsureKubelet(caDir, node string, dnsNames []string, ips []net.IP) (KubeletFiles, error) {
	f := KubeletFiles{Dir: filepath.Join(caDir, "kubelet"), Node: node}
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return f, err
	}
	cf := Files{Dir: caDir}
	ca, caKey, err := loadPair(cf.CACert(), cf.CAKey())
	if err != nil {
		return f, fmt.Errorf("cluster CA: %w", err)
	}
	client, _, err := loadPair(f.ClientCert(), f.ClientKey())
	if err != nil || client.Subject.CommonName != "system:node:"+node || client.CheckSignatureFrom(ca) != nil {
		tmpl := leafTemplate("system:node:"+node, []string{"system:nodes"}, x509.ExtKeyUsageClientAuth)
		if err := issue(tmpl, ca, caKey, f.ClientCert(), f.ClientKey()); err != nil {
			return f, fmt.Errorf("kubelet client certificate: %w", err)
		}
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return f, err
	}
	names := append([]string{node}, dnsNames...)
	serving, _, err := loadPair(f.ServingCert(), f.ServingKey())
	if err != nil || !covers(serving, names, ips) || serving.CheckSignatureFrom(ca) != nil {
		tmpl := leafTemplate("system:node:"+node, []string{"system:nodes"}, x509.ExtKeyUsageServerAuth)
		tmpl.DNSNames, tmpl.IPAddresses = names, ips
		if err := issue(tmpl, ca, caKey, f.ServingCert(), f.ServingKey()); err != nil {
			return f, fmt.Errorf("kubelet serving certificate: %w", err)
		}
	}
	return f, nil
}
