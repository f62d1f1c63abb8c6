package pods

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"
	"k8s.io/utils/ptr"

	"github.com/skiff-k8s/skiff/registry/core/kubeletclient/kubelettest"
)

// fakeKubelet serves container logs, and exec over SPDY only (as
// containerd's streaming server), printing "hello from <command>".
func fakeKubelet(t *testing.T) *kubelettest.Kubelet {
	pkiDir := filepath.Join(srv.Dir, "pki")
	return kubelettest.Start(t, filepath.Join(pkiDir, "ca.crt"), filepath.Join(pkiDir, "ca.key"), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/containerLogs/"):
			io.WriteString(w, "path="+r.URL.Path+" query="+r.URL.RawQuery+"\n")
		case strings.HasPrefix(r.URL.Path, "/exec/"):
			spdyExec(t, w, r)
		default:
			http.NotFound(w, r)
		}
	}))
}

// spdyExec answers a v4.channel.k8s.io SPDY exec: it writes the command to
// stdout and a Success status to the error stream.
func spdyExec(t *testing.T, w http.ResponseWriter, r *http.Request) {
	if _, err := httpstream.Handshake(r, w, []string{"v4.channel.k8s.io"}); err != nil {
		t.Errorf("kubelet handshake: %v", err)
		return
	}
	streams := make(chan httpstream.Stream, 8)
	conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, func(s httpstream.Stream, _ <-chan struct{}) error {
		streams <- s
		return nil
	})
	if conn == nil {
		t.Error("kubelet: no SPDY upgrade")
		return
	}
	defer conn.Close()
	want := 1 // error
	q := r.URL.Query()
	for _, p := range []string{"input", "output", "error"} {
		if q.Get(p) == "1" {
			want++
		}
	}
	byType := map[string]httpstream.Stream{}
	timeout := time.After(10 * time.Second)
	for len(byType) < want {
		select {
		case s := <-streams:
			byType[s.Headers().Get(corev1.StreamType)] = s
		case <-timeout:
			t.Errorf("kubelet: got streams %v, want %d", byType, want)
			return
		}
	}
	io.WriteString(byType[corev1.StreamTypeStdout], "hello from "+strings.Join(q["command"], " ")+"\n")
	byType[corev1.StreamTypeStdout].Close()
	b, _ := json.Marshal(metav1.Status{Status: metav1.StatusSuccess})
	byType[corev1.StreamTypeError].Write(b)
	byType[corev1.StreamTypeError].Close()
	// Give the client time to read what was written (or hang up first):
	// closing the connection at once reset streams still in flight, about
	// one run in eight under load.
	select {
	case <-conn.CloseChan():
	case <-time.After(time.Second):
	}
}

// podOnKubelet creates a node for k and a pod bound to it.
func podOnKubelet(t *testing.T, k *kubelettest.Kubelet, ns, nodeName string, containers ...string) {
	ctx := context.Background()
	if _, err := srv.Client.CoreV1().Nodes().Create(ctx, k.Node(nodeName), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Client.CoreV1().Nodes().Delete(context.Background(), nodeName, metav1.DeleteOptions{}) })
	p := basicPod("app")
	p.Spec.Containers = nil
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c, Image: "busybox"})
	}
	if _, err := srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "app"}, Target: corev1.ObjectReference{Kind: "Node", Name: nodeName}}
	if err := srv.Client.CoreV1().Pods(ns).Bind(ctx, b, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// `kubectl logs` is GET pods/log: the body is the kubelet's.
func TestLogsFromKubelet(t *testing.T) {
	k := fakeKubelet(t)
	ns := newNamespace(t)
	podOnKubelet(t, k, ns, "logs-node", "main", "side")
	pods := srv.Client.CoreV1().Pods(ns)
	body, err := pods.GetLogs("app", &corev1.PodLogOptions{Container: "side", Follow: true, TailLines: ptr.To[int64](5), Timestamps: true}).DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := "path=/containerLogs/" + ns + "/app/side query=follow=true&tailLines=5&timestamps=true\n"; string(body) != want {
		t.Errorf("logs %q, want %q", body, want)
	}

	// kubectl logs reads the stream; errors are API Statuses.
	_, err = pods.GetLogs("app", &corev1.PodLogOptions{}).Stream(context.Background())
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "a container name must be specified for pod app, choose one of: [main side]") {
		t.Errorf("no container: %v", err)
	}
	_, err = pods.GetLogs("app", &corev1.PodLogOptions{Container: "side", TailLines: ptr.To[int64](-2)}).Stream(context.Background())
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "tailLines: Invalid value: -2: must be greater than or equal to 0") {
		t.Errorf("negative tailLines: %v", err)
	}
}

// `kubectl exec` speaks WebSockets (v5.channel.k8s.io); the API server
// translates to SPDY for a kubelet that only speaks SPDY.
func TestExecWebSocketToSPDYKubelet(t *testing.T) {
	k := fakeKubelet(t)
	ns := newNamespace(t)
	podOnKubelet(t, k, ns, "exec-node", "main")
	req := srv.Client.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name("app").SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Command: []string{"echo", "hi"}, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	exec, err := remotecommand.NewWebSocketExecutor(srv.Config, "GET", req.URL().String())
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := exec.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr}); err != nil {
		t.Fatalf("exec: %v (stderr %q)", err, stderr.String())
	}
	if stdout.String() != "hello from echo hi\n" {
		t.Errorf("stdout %q", stdout.String())
	}
}

func TestExecNoNode(t *testing.T) {
	ns := newNamespace(t)
	if _, err := srv.Client.CoreV1().Pods(ns).Create(context.Background(), basicPod("lonely"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	req := srv.Client.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name("lonely").SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Command: []string{"ls"}, Stdout: true}, scheme.ParameterCodec)
	exec, err := remotecommand.NewWebSocketExecutor(srv.Config, "GET", req.URL().String())
	if err != nil {
		t.Fatal(err)
	}
	err = exec.StreamWithContext(context.Background(), remotecommand.StreamOptions{Stdout: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "pod lonely does not have a host assigned") {
		t.Errorf("exec on an unscheduled pod: %v", err)
	}
}
