package pod

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/utils/ptr"

	"github.com/skiff-k8s/skiff/pki"
	"github.com/skiff-k8s/skiff/registry/core/kubeletclient"
	"github.com/skiff-k8s/skiff/registry/core/kubeletclient/kubelettest"
)

// fakePods is a pods store of fixed pods.
type fakePods map[string]*corev1.Pod

func (f fakePods) Get(_ context.Context, name string, _ *metav1.GetOptions) (runtime.Object, error) {
	if p, ok := f[name]; ok {
		return p, nil
	}
	return nil, apierrors.NewNotFound(corev1.Resource("pods"), name)
}

// kubeletEnv is a fake kubelet recording the requests it gets, registered
// as node "node-1".
type kubeletEnv struct {
	kubelets *kubeletclient.Getter
	mu       sync.Mutex
	got      []*url.URL
}

func (e *kubeletEnv) last(t *testing.T) *url.URL {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.got) == 0 {
		t.Fatal("the kubelet got no request")
	}
	return e.got[len(e.got)-1]
}

func newKubeletEnv(t *testing.T) *kubeletEnv {
	certs, err := pki.Ensure(t.TempDir(), nil, []net.IP{net.ParseIP("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	e := &kubeletEnv{}
	k := kubelettest.Start(t, certs.CACert(), certs.CAKey(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.got = append(e.got, r.URL)
		e.mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/gone") {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `container "gone" in pod "web" is waiting to start: ContainerCreating`)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/containerLogs/") {
			io.WriteString(w, "log line 1\nlog line 2\n")
			return
		}
		http.Error(w, "not here", http.StatusNotFound)
	}))
	node := k.Node("node-1")
	e.kubelets, err = kubeletclient.New(func(_ context.Context, name string) (*corev1.Node, error) {
		if name != node.Name {
			return nil, apierrors.NewNotFound(corev1.Resource("nodes"), name)
		}
		return node, nil
	}, kubeletclient.Config{CAFile: certs.CACert(), CertFile: certs.KubeletClientCert(), KeyFile: certs.KubeletClientKey()})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func testPods() fakePods {
	mk := func(name, node string, containers ...string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Spec: corev1.PodSpec{NodeName: node}}
		for _, c := range containers {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c})
		}
		return p
	}
	multi := mk("multi", "node-1", "app", "sidecar")
	multi.Spec.InitContainers = []corev1.Container{{Name: "init"}}
	multi.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debugger"}}}
	return fakePods{
		"web":     mk("web", "node-1", "nginx"),
		"multi":   multi,
		"pending": mk("pending", "", "app"),
		"lost":    mk("lost", "node-gone", "app"),
	}
}

func readLog(t *testing.T, r *LogREST, name string, opts *corev1.PodLogOptions) (string, error) {
	t.Helper()
	obj, err := r.Get(context.Background(), name, opts)
	if err != nil {
		return "", err
	}
	stream, _, _, err := obj.(rest.ResourceStreamer).InputStream(context.Background(), "v1", "text/plain")
	if err != nil {
		return "", err
	}
	if stream == nil {
		return "", nil
	}
	defer stream.Close()
	b, err := io.ReadAll(stream)
	return string(b), err
}

func TestLogQuery(t *testing.T) {
	env := newKubeletEnv(t)
	r := &LogREST{Pods: testPods(), Kubelets: env.kubelets}
	since := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	cases := []struct {
		name, pod string
		opts      corev1.PodLogOptions
		path      string
		query     string
	}{
		{"defaults", "web", corev1.PodLogOptions{}, "/containerLogs/ns/web/nginx", ""},
		{"follow tail timestamps", "web", corev1.PodLogOptions{Follow: true, TailLines: ptr.To[int64](10), Timestamps: true},
			"/containerLogs/ns/web/nginx", "follow=true&tailLines=10&timestamps=true"},
		{"previous since limit", "multi", corev1.PodLogOptions{Container: "sidecar", Previous: true, SinceSeconds: ptr.To[int64](60), LimitBytes: ptr.To[int64](500)},
			"/containerLogs/ns/multi/sidecar", "limitBytes=500&previous=true&sinceSeconds=60"},
		{"sinceTime", "web", corev1.PodLogOptions{SinceTime: &since}, "/containerLogs/ns/web/nginx", "sinceTime=2026-01-02T03%3A04%3A05Z"},
		{"init container", "multi", corev1.PodLogOptions{Container: "init"}, "/containerLogs/ns/multi/init", ""},
		{"ephemeral container", "multi", corev1.PodLogOptions{Container: "debugger"}, "/containerLogs/ns/multi/debugger", ""},
	}
	for _, tc := range cases {
		body, err := readLog(t, r, tc.pod, &tc.opts)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if body != "log line 1\nlog line 2\n" {
			t.Errorf("%s: body %q", tc.name, body)
		}
		u := env.last(t)
		if u.Path != tc.path || u.RawQuery != tc.query {
			t.Errorf("%s: kubelet got %s?%s, want %s?%s", tc.name, u.Path, u.RawQuery, tc.path, tc.query)
		}
	}
}

func TestLogErrors(t *testing.T) {
	env := newKubeletEnv(t)
	r := &LogREST{Pods: testPods(), Kubelets: env.kubelets}
	cases := []struct {
		name, pod string
		opts      corev1.PodLogOptions
		code      int32
		msg       string
	}{
		{"several containers", "multi", corev1.PodLogOptions{}, 400,
			"a container name must be specified for pod multi, choose one of: [init app sidecar debugger]"},
		{"unknown container", "web", corev1.PodLogOptions{Container: "nope"}, 400, "container nope is not valid for pod web"},
		{"negative tailLines", "web", corev1.PodLogOptions{TailLines: ptr.To[int64](-1)}, 422,
			`PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0`},
		{"zero limitBytes", "web", corev1.PodLogOptions{LimitBytes: ptr.To[int64](0)}, 422,
			`PodLogOptions "web" is invalid: limitBytes: Invalid value: 0: must be greater than 0`},
		{"both since", "web", corev1.PodLogOptions{SinceSeconds: ptr.To[int64](5), SinceTime: &metav1.Time{Time: time.Now()}}, 422,
			"at most one of `sinceTime` or `sinceSeconds` may be specified"},
		{"stream", "web", corev1.PodLogOptions{Stream: ptr.To("Stdout")}, 422, "stream: Forbidden: may not be specified"},
		{"missing pod", "ghost", corev1.PodLogOptions{}, 404, `pods "ghost" not found`},
		{"missing node", "lost", corev1.PodLogOptions{}, 404, `nodes "node-gone" not found`},
	}
	for _, tc := range cases {
		_, err := readLog(t, r, tc.pod, &tc.opts)
		status, ok := err.(apierrors.APIStatus)
		if !ok {
			t.Errorf("%s: error %v is not an API status", tc.name, err)
			continue
		}
		if status.Status().Code != tc.code || !strings.Contains(status.Status().Message, tc.msg) {
			t.Errorf("%s: %d %q, want %d %q", tc.name, status.Status().Code, status.Status().Message, tc.code, tc.msg)
		}
	}
	// As upstream, a pod not on a node yet has an empty log.
	if body, err := readLog(t, r, "pending", &corev1.PodLogOptions{}); err != nil || body != "" {
		t.Errorf("pending pod: %q, %v", body, err)
	}
}

// The kubelet's own errors reach the user with its status code.
func TestLogKubeletError(t *testing.T) {
	env := newKubeletEnv(t)
	pods := testPods()
	pods["web"].Spec.Containers[0].Name = "gone"
	_, err := readLog(t, &LogREST{Pods: pods, Kubelets: env.kubelets}, "web", &corev1.PodLogOptions{})
	// A kubelet 400 (a container not started) is a 400 with its message,
	// as kubectl shows it.
	if !apierrors.IsBadRequest(err) || err.Error() != `container "gone" in pod "web" is waiting to start: ContainerCreating` {
		t.Errorf("kubelet 400: %v", err)
	}
}

func TestStreamLocations(t *testing.T) {
	env := newKubeletEnv(t)
	pods := testPods()
	ctx := context.Background()
	u, _, err := ExecLocation(ctx, pods, env.kubelets, "web", &corev1.PodExecOptions{
		Command: []string{"sh", "-c", "echo hi"}, Stdin: true, Stdout: true, TTY: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/exec/ns/web/nginx" {
		t.Errorf("exec path %s", u.Path)
	}
	if u.RawQuery != "command=sh&command=-c&command=echo+hi&input=1&output=1&tty=1" {
		t.Errorf("exec query %s", u.RawQuery)
	}
	u, _, err = AttachLocation(ctx, pods, env.kubelets, "multi", &corev1.PodAttachOptions{Container: "app", Stdout: true, Stderr: true})
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/attach/ns/multi/app" || u.RawQuery != "error=1&output=1" {
		t.Errorf("attach %s?%s", u.Path, u.RawQuery)
	}
	u, _, err = PortForwardLocation(ctx, pods, env.kubelets, "web", &corev1.PodPortForwardOptions{Ports: []int32{80, 443}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/portForward/ns/web" || u.RawQuery != "port=80%2C443" {
		t.Errorf("portforward %s?%s", u.Path, u.RawQuery)
	}
	if u.Scheme != "https" || !strings.HasPrefix(u.Host, "127.0.0.1:") {
		t.Errorf("kubelet %s://%s", u.Scheme, u.Host)
	}

	for _, tc := range []struct {
		name string
		err  error
		msg  string
	}{
		{"exec, no host", second(ExecLocation(ctx, pods, env.kubelets, "pending", &corev1.PodExecOptions{})), "pod pending does not have a host assigned"},
		{"attach, no host", second(AttachLocation(ctx, pods, env.kubelets, "pending", &corev1.PodAttachOptions{})), "pod pending does not have a host assigned"},
		{"portforward, no host", second(PortForwardLocation(ctx, pods, env.kubelets, "pending", &corev1.PodPortForwardOptions{})), "pod pending does not have a host assigned"},
		{"exec, several containers", second(ExecLocation(ctx, pods, env.kubelets, "multi", &corev1.PodExecOptions{})),
			"a container name must be specified for pod multi, choose one of: [init app sidecar debugger]"},
		{"exec, unknown container", second(ExecLocation(ctx, pods, env.kubelets, "web", &corev1.PodExecOptions{Container: "x"})), "container x is not valid for pod web"},
	} {
		if !apierrors.IsBadRequest(tc.err) || tc.err.Error() != tc.msg {
			t.Errorf("%s: %v, want 400 %q", tc.name, tc.err, tc.msg)
		}
	}
}

func second(_ *url.URL, _ *kubeletclient.ConnectionInfo, err error) error { return err }

// exec without an upgrade is refused, as upstream.
func TestExecNeedsUpgrade(t *testing.T) {
	env := newKubeletEnv(t)
	r := &ExecREST{StreamREST{Pods: testPods(), Kubelets: env.kubelets}}
	ctx := genericapirequest.WithRequestInfo(context.Background(), &genericapirequest.RequestInfo{Verb: "create", Resource: "pods", Subresource: "exec", Name: "web"})
	var answered error
	h, err := r.Connect(ctx, "web", &corev1.PodExecOptions{Command: []string{"ls"}, Stdout: true}, errorResponder{&answered})
	if err != nil {
		t.Fatal(err)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, "POST", "/", nil))
	if !apierrors.IsBadRequest(answered) || answered.Error() != "Upgrade request required" {
		t.Errorf("got %v", answered)
	}
}

// errorResponder keeps the error the handler answers with.
type errorResponder struct{ err *error }

func (errorResponder) Object(int, runtime.Object) {}
func (r errorResponder) Error(err error)          { *r.err = err }

func TestProxyLocation(t *testing.T) {
	pods := fakePods{
		"web": &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web"},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{{ContainerPort: 8080}}}}},
			Status:     corev1.PodStatus{PodIPs: []corev1.PodIP{{IP: "10.1.2.3"}}},
		},
		"v6":    &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}, Status: corev1.PodStatus{PodIPs: []corev1.PodIP{{IP: "fd00::1"}}}},
		"local": &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}, Status: corev1.PodStatus{PodIPs: []corev1.PodIP{{IP: "127.0.0.1"}}}},
		"noip":  &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}},
	}
	for id, want := range map[string]string{"web": "//10.1.2.3:8080", "web:9000": "//10.1.2.3:9000", "https:web:443": "https://10.1.2.3:443", "v6": "//[fd00::1]"} {
		u, err := ProxyLocation(context.Background(), pods, id)
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		if u.String() != want {
			t.Errorf("%s: %s, want %s", id, u, want)
		}
	}
	for _, id := range []string{"local", "noip"} {
		if _, err := ProxyLocation(context.Background(), pods, id); !apierrors.IsBadRequest(err) || err.Error() != "address not allowed" {
			t.Errorf("%s: %v", id, err)
		}
	}
}
