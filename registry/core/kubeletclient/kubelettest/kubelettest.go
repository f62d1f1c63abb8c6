// Package kubelettest is a fake kubelet for tests: an HTTPS server on
// 127.0.0.1 whose serving certificate the cluster CA signs and which
// requires a client certificate from the same CA, as a kubelet does.
package kubelettest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Kubelet is a running fake kubelet.
type Kubelet struct {
	*httptest.Server
	// Host and Port are where it listens.
	Host string
	Port int32
}

// Start serves h over TLS with a certificate for 127.0.0.1 signed by the CA
// in caCert/caKey (PEM files), requiring a client certificate from that CA.
// It stops when the test ends.
func Start(t testing.TB, caCert, caKey string, h http.Handler) *Kubelet {
	t.Helper()
	ca, key := loadCA(t, caCert, caKey)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "fake-kubelet"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, leafKey.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	s := httptest.NewUnstartedServer(h)
	s.TLS = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: leafKey}},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	}
	s.StartTLS()
	t.Cleanup(s.Close)
	host, port, _ := net.SplitHostPort(s.Listener.Addr().String())
	p, _ := strconv.Atoi(port)
	return &Kubelet{Server: s, Host: host, Port: int32(p)}
}

// Node returns a Node whose InternalIP and kubelet port are this kubelet's.
func (k *Kubelet) Node(name string) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: corev1.NodeStatus{
			Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: k.Host}},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: k.Port}},
		},
	}
}

func loadCA(t testing.TB, certPath, keyPath string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	block := func(path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := pem.Decode(b)
		if p == nil {
			t.Fatal(fmt.Errorf("%s is not PEM", path))
		}
		return p.Bytes
	}
	ca, err := x509.ParseCertificate(block(certPath))
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.ParseECPrivateKey(block(keyPath))
	if err != nil {
		t.Fatal(err)
	}
	return ca, key
}
