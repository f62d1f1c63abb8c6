package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// upstream is kube-apiserver + etcd started from the binaries that
// hack/bench/build-upstream.sh builds, with the same flags as hack/bench
// (RBAC, admin client certificate in system:masters).
type upstream struct {
	dir        string
	etcd, api  *exec.Cmd
	Config     *rest.Config
	Kubeconfig string
}

func startUpstream(ctx context.Context, binDir, dir string) (*upstream, error) {
	u := &upstream{dir: dir}
	pki, err := genPKI(filepath.Join(dir, "pki"))
	if err != nil {
		return nil, err
	}
	var port, etcdPort, peerPort int
	for _, p := range []*int{&port, &etcdPort, &peerPort} {
		if *p, err = freePort(); err != nil {
			return nil, err
		}
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", etcdPort)
	peer := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	if u.etcd, err = startProc(filepath.Join(dir, "etcd.log"), filepath.Join(binDir, "etcd"),
		"--name", "compat",
		"--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", client,
		"--advertise-client-urls", client,
		"--listen-peer-urls", peer,
		"--initial-advertise-peer-urls", peer,
		"--initial-cluster", "compat="+peer,
	); err != nil {
		return nil, err
	}
	if err := waitOK(ctx, pollClient(nil), client+"/health", u.etcd); err != nil {
		u.stop()
		return nil, fmt.Errorf("etcd: %w (see %s)", err, filepath.Join(dir, "etcd.log"))
	}
	if u.api, err = startProc(filepath.Join(dir, "kube-apiserver.log"), filepath.Join(binDir, "kube-apiserver"),
		"--etcd-servers", client,
		"--bind-address", "127.0.0.1",
		"--advertise-address", "127.0.0.1",
		"--secure-port", strconv.Itoa(port),
		"--endpoint-reconciler-type", "none",
		"--authorization-mode", "RBAC",
		"--client-ca-file", pki.CAFile,
		"--tls-cert-file", pki.ServingCert,
		"--tls-private-key-file", pki.ServingKey,
		"--service-account-key-file", pki.SAPub,
		"--service-account-signing-key-file", pki.SAKey,
		"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range", "10.96.0.0/12",
	); err != nil {
		u.stop()
		return nil, err
	}
	host := fmt.Sprintf("https://127.0.0.1:%d", port)
	if err := waitOK(ctx, pollClient(&pki.Admin), host+"/readyz", u.api); err != nil {
		u.stop()
		return nil, fmt.Errorf("kube-apiserver: %w (see %s)", err, filepath.Join(dir, "kube-apiserver.log"))
	}
	u.Config = &rest.Config{
		Host: host,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   pki.CAPEM,
			CertData: pki.AdminCertPEM,
			KeyData:  pki.AdminKeyPEM,
		},
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["upstream"] = &clientcmdapi.Cluster{Server: host, CertificateAuthorityData: pki.CAPEM}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: pki.AdminCertPEM, ClientKeyData: pki.AdminKeyPEM}
	kc.Contexts["upstream"] = &clientcmdapi.Context{Cluster: "upstream", AuthInfo: "admin"}
	kc.CurrentContext = "upstream"
	u.Kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, u.Kubeconfig); err != nil {
		u.stop()
		return nil, err
	}
	return u, nil
}

func (u *upstream) stop() {
	for _, c := range []*exec.Cmd{u.api, u.etcd} {
		if c == nil || c.Process == nil {
			continue
		}
		_ = c.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = c.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = c.Process.Kill()
			<-done
		}
	}
	u.api, u.etcd = nil, nil
}

func startProc(logPath, bin string, args ...string) (*exec.Cmd, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%w (build it with hack/bench/build-upstream.sh)", err)
	}
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	return cmd, nil
}

// waitOK polls url until it answers 200, for up to 3 minutes.
func waitOK(ctx context.Context, c *http.Client, url string, p *exec.Cmd) error {
	deadline := time.Now().Add(3 * time.Minute)
	var last string
	for time.Now().Before(deadline) {
		if p.ProcessState != nil {
			return fmt.Errorf("exited")
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := c.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("HTTP %d %.200q", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("not ready after 3m (last: %s)", last)
}

func pollClient(cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // readiness poller
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// upstreamPKI is copied from hack/bench/pki.go; the admin certificate has
// the same subject as skiff's (CN=skiff-admin, O=system:masters), so
// user-dependent answers (SelfSubjectReview, CSR spec.username) compare.
type upstreamPKI struct {
	CAFile, ServingCert, ServingKey  string
	SAPub, SAKey                     string
	CAPEM, AdminCertPEM, AdminKeyPEM []byte
	Admin                            tls.Certificate
}

func genPKI(dir string) (*upstreamPKI, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	now := time.Now().Add(-time.Hour)
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "skiff-compat-ca"},
		NotBefore:             now,
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	leaf := func(serial int64, tmpl *x509.Certificate) (certPEM, keyPEM []byte, err error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore = now
		tmpl.NotAfter = now.Add(7 * 24 * time.Hour)
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return nil, nil, err
		}
		kder, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), nil
	}
	servingCert, servingKey, err := leaf(2, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")},
	})
	if err != nil {
		return nil, err
	}
	adminCert, adminKey, err := leaf(3, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "skiff-admin", Organization: []string{"system:masters"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return nil, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	saKeyDER, err := x509.MarshalECPrivateKey(saKey)
	if err != nil {
		return nil, err
	}
	saPubDER, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	p := &upstreamPKI{
		CAFile:       filepath.Join(dir, "ca.crt"),
		ServingCert:  filepath.Join(dir, "apiserver.crt"),
		ServingKey:   filepath.Join(dir, "apiserver.key"),
		SAPub:        filepath.Join(dir, "sa.pub"),
		SAKey:        filepath.Join(dir, "sa.key"),
		CAPEM:        pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		AdminCertPEM: adminCert,
		AdminKeyPEM:  adminKey,
	}
	files := map[string][]byte{
		p.CAFile:      p.CAPEM,
		p.ServingCert: servingCert,
		p.ServingKey:  servingKey,
		p.SAPub:       pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPubDER}),
		p.SAKey:       pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: saKeyDER}),
	}
	for name, data := range files {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			return nil, err
		}
	}
	p.Admin, err = tls.X509KeyPair(adminCert, adminKey)
	if err != nil {
		return nil, err
	}
	return p, nil
}
