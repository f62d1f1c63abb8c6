package kubeletclient_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/pki"
	"github.com/skiff-k8s/skiff/registry/core/kubeletclient"
	"github.com/skiff-k8s/skiff/registry/core/kubeletclient/kubelettest"
)

func nodes(list ...*corev1.Node) kubeletclient.NodeGetter {
	return func(_ context.Context, name string) (*corev1.Node, error) {
		for _, n := range list {
			if n.Name == name {
				return n, nil
			}
		}
		return nil, apierrors.NewNotFound(corev1.Resource("nodes"), name)
	}
}

func TestPreferredAddressAndPort(t *testing.T) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}, Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{
		{Type: corev1.NodeExternalIP, Address: "203.0.113.1"},
		{Type: corev1.NodeInternalIP, Address: "10.0.0.1"},
		{Type: corev1.NodeHostName, Address: "n.local"},
	}}}
	g, err := kubeletclient.New(nodes(n), kubeletclient.Config{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := g.Get(context.Background(), "n")
	if err != nil {
		t.Fatal(err)
	}
	if info.Scheme != "https" || info.Hostname != "n.local" || info.Port != "10250" {
		t.Errorf("got %s://%s:%s, want https://n.local:10250", info.Scheme, info.Hostname, info.Port)
	}
	n.Status.Addresses = n.Status.Addresses[:2]
	n.Status.DaemonEndpoints.KubeletEndpoint.Port = 11250
	info, _ = g.Get(context.Background(), "n")
	if info.Hostname != "10.0.0.1" || info.Port != "11250" {
		t.Errorf("got %s:%s, want InternalIP 10.0.0.1 and the reported port 11250", info.Hostname, info.Port)
	}
	n.Status.Addresses = nil
	if _, err := g.Get(context.Background(), "n"); err == nil || !strings.Contains(err.Error(), "no preferred addresses found") {
		t.Errorf("no addresses: %v", err)
	}
	if _, err := g.Get(context.Background(), "missing"); !apierrors.IsNotFound(err) {
		t.Errorf("missing node: %v", err)
	}
}

// The transport presents the kubelet client certificate and verifies the
// kubelet against the cluster CA.
func TestTransportTLS(t *testing.T) {
	certs, err := pki.Ensure(t.TempDir(), []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	k := kubelettest.Start(t, certs.CACert(), certs.CAKey(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	cfg := kubeletclient.Config{CAFile: certs.CACert(), CertFile: certs.KubeletClientCert(), KeyFile: certs.KubeletClientKey()}
	g, err := kubeletclient.New(nodes(k.Node("n")), cfg)
	if err != nil {
		t.Fatal(err)
	}
	info, err := g.Get(context.Background(), "n")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: info.Transport}).Get("https://" + net.JoinHostPort(info.Hostname, info.Port) + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello kube-apiserver-kubelet-client" {
		t.Errorf("body %q", body)
	}

	// A kubelet whose certificate another CA signed is refused.
	other, err := pki.Ensure(t.TempDir(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.CAFile = other.CACert()
	g, _ = kubeletclient.New(nodes(k.Node("n")), cfg)
	info, _ = g.Get(context.Background(), "n")
	if _, err := (&http.Client{Transport: info.Transport}).Get(k.URL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted kubelet: %v", err)
	}
	if _, err := (&http.Client{Transport: info.InsecureTransport}).Get(k.URL); err != nil {
		t.Errorf("insecure transport: %v", err)
	}
}
