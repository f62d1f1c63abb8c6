package node

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-k8s/skiff/pki"
	"github.com/skiff-k8s/skiff/registry/core/kubeletclient"
	"github.com/skiff-k8s/skiff/registry/core/kubeletclient/kubelettest"
)

type responder struct{ err *error }

func (responder) Object(int, runtime.Object) {}
func (r responder) Error(err error)          { *r.err = err }

func TestProxy(t *testing.T) {
	certs, err := pki.Ensure(t.TempDir(), nil, []net.IP{net.ParseIP("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	k := kubelettest.Start(t, certs.CACert(), certs.CAKey(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" from "+r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	node := k.Node("node-1")
	kubelets, err := kubeletclient.New(func(_ context.Context, name string) (*corev1.Node, error) {
		if name != node.Name {
			return nil, apierrors.NewNotFound(corev1.Resource("nodes"), name)
		}
		return node, nil
	}, kubeletclient.Config{CAFile: certs.CACert(), CertFile: certs.KubeletClientCert(), KeyFile: certs.KubeletClientKey()})
	if err != nil {
		t.Fatal(err)
	}

	// Upstream refuses nodes whose address is not global unicast.
	r := &ProxyREST{Kubelets: kubelets}
	if _, err := r.Connect(context.Background(), "node-1", &corev1.NodeProxyOptions{Path: "/healthz"}, nil); !apierrors.IsBadRequest(err) || err.Error() != "address not allowed" {
		t.Errorf("loopback node: %v", err)
	}
	if _, err := r.Connect(context.Background(), "ghost", &corev1.NodeProxyOptions{}, nil); !apierrors.IsNotFound(err) {
		t.Errorf("missing node: %v", err)
	}

	r.Proxyable = func(context.Context, string) error { return nil }
	var answered error
	h, err := r.Connect(context.Background(), "node-1", &corev1.NodeProxyOptions{Path: "/stats/summary"}, responder{&answered})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/nodes/node-1/proxy/stats/summary?only_cpu_and_memory=true", nil))
	if answered != nil {
		t.Fatal(answered)
	}
	if got := w.Body.String(); w.Code != 200 || got != "GET /stats/summary?only_cpu_and_memory=true from kube-apiserver-kubelet-client" {
		t.Errorf("got %d %q", w.Code, got)
	}

	// Another port than the kubelet's goes over the proxy transport.
	u, _, err := r.Location(context.Background(), "http:node-1:9100")
	if err != nil || u.String() != "http://127.0.0.1:9100" {
		t.Errorf("other port: %v %v", u, err)
	}
	if _, _, err := r.Location(context.Background(), "a:b:c:d"); !apierrors.IsBadRequest(err) {
		t.Errorf("bad id: %v", err)
	}
}
