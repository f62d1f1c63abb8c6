package kubelet_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"

	"github.com/skiff-k8s/skiff/test/testserver"
)

func TestNodeRegistered(t *testing.T) {
	node, err := srv.Client.CoreV1().Nodes().Get(context.Background(), nodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ready := false
	var types []string
	for _, c := range node.Status.Conditions {
		types = append(types, string(c.Type))
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue && c.Message == "kubelet is posting ready status" {
			ready = true
		}
	}
	if !ready || strings.Join(types, ",") != "MemoryPressure,DiskPressure,PIDPressure,Ready" {
		t.Errorf("conditions %v, want the four of upstream with Ready=True", node.Status.Conditions)
	}
	if !strings.HasPrefix(node.Status.NodeInfo.ContainerRuntimeVersion, "containerd://") || node.Status.NodeInfo.KubeletVersion != "v1.37.2" {
		t.Errorf("nodeInfo %+v", node.Status.NodeInfo)
	}
	if node.Spec.PodCIDR != podCIDR || node.Status.Capacity.Cpu().IsZero() || node.Status.Allocatable.Memory().Cmp(*node.Status.Capacity.Memory()) >= 0 {
		t.Errorf("podCIDR %q capacity %v allocatable %v", node.Spec.PodCIDR, node.Status.Capacity, node.Status.Allocatable)
	}
	if node.Status.DaemonEndpoints.KubeletEndpoint.Port == 0 {
		t.Error("no kubelet port in daemonEndpoints")
	}
	if _, err := srv.Client.CoordinationV1().Leases("kube-node-lease").Get(context.Background(), nodeName, metav1.GetOptions{}); err != nil {
		t.Errorf("node lease: %v", err)
	}
}

func TestPodRunsAndIsReady(t *testing.T) {
	ns := srv.Namespace(t)
	create(t, ns, pod("sleeper", "echo started; sleep 3600"))
	p := waitPod(t, ns, "sleeper", "pod Running and Ready", running)
	cs := p.Status.ContainerStatuses[0]
	if !cs.Ready || cs.Started == nil || !*cs.Started || cs.State.Running == nil || !strings.HasPrefix(cs.ContainerID, "containerd://") || cs.ImageID == "" {
		t.Errorf("container status %+v", cs)
	}
	_, cidr, _ := net.ParseCIDR(podCIDR)
	if ip := net.ParseIP(p.Status.PodIP); ip == nil || !cidr.Contains(ip) {
		t.Errorf("pod IP %q not in %s", p.Status.PodIP, podCIDR)
	}
	if p.Status.HostIP == "" || p.Status.StartTime == nil {
		t.Errorf("hostIP %q startTime %v", p.Status.HostIP, p.Status.StartTime)
	}
	for _, want := range []string{"Scheduled:", "Pulled:", "Created: Container created", "Started: Container started"} {
		if !hasEvent(t, ns, "sleeper", want) {
			t.Errorf("no event %q in %v", want, events(t, ns, "sleeper"))
		}
	}
	out, _, err := kubectl(t, "", "get", "pod", "sleeper", "-n", ns)
	if err != nil {
		t.Fatal(err)
	}
	testserver.Contains(t, "kubectl get pod", out, "1/1", "Running")
}

func TestLogs(t *testing.T) {
	ns := srv.Namespace(t)
	create(t, ns, pod("talker", "for i in 1 2 3; do echo line $i; done; echo oops >&2; sleep 1; echo late; sleep 3600"))
	waitPod(t, ns, "talker", "pod running", running)
	testserver.Eventually(t, 30*time.Second, 200*time.Millisecond, "kubectl logs", func() (bool, string) {
		out, errOut, err := kubectl(t, "", "logs", "talker", "-n", ns)
		// stdout and stderr are separate pipes: only each one's order holds.
		return err == nil && strings.Contains(strings.Replace(out, "oops\n", "", 1), "line 1\nline 2\nline 3\nlate\n") && strings.Contains(out, "oops\n"), out + errOut
	})
	out, _, err := kubectl(t, "", "logs", "talker", "-n", ns, "--tail=1")
	if err != nil || out != "late\n" {
		t.Errorf("logs --tail=1 = %q, %v", out, err)
	}
	out, _, err = kubectl(t, "", "logs", "talker", "-n", ns, "--timestamps", "--tail=1")
	if err != nil || !strings.HasSuffix(out, " late\n") || !strings.Contains(out, "T") {
		t.Errorf("logs --timestamps = %q, %v", out, err)
	}
	// -f streams until the deadline; everything so far arrives at once.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req := srv.Client.CoreV1().Pods(ns).GetLogs("talker", &corev1.PodLogOptions{Follow: true})
	stream, err := req.Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	buf := make([]byte, 4096)
	var got strings.Builder
	for !strings.Contains(got.String(), "late") {
		n, err := stream.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			t.Fatalf("follow: %v after %q", err, got.String())
		}
	}
	_, errOut, err := kubectl(t, "", "logs", "talker", "-n", ns, "--previous")
	if err == nil || !strings.Contains(errOut, `previous terminated container "main" in pod "talker" not found`) {
		t.Errorf("logs --previous of a first container: %v %s", err, errOut)
	}
}

func TestExec(t *testing.T) {
	ns := srv.Namespace(t)
	create(t, ns, pod("shell", "sleep 3600"))
	waitPod(t, ns, "shell", "pod running", running)
	out, errOut, err := kubectl(t, "", "exec", "shell", "-n", ns, "--", "sh", "-c", "echo out; echo err >&2; hostname")
	if err != nil {
		t.Fatalf("exec: %v %s", err, errOut)
	}
	if out != "out\nshell\n" || !strings.Contains(errOut, "err") {
		t.Errorf("exec stdout %q stderr %q", out, errOut)
	}
	out, errOut, err = kubectl(t, "hello from stdin\n", "exec", "-i", "shell", "-n", ns, "--", "cat")
	if err != nil || out != "hello from stdin\n" {
		t.Errorf("exec -i cat = %q, %v %s", out, err, errOut)
	}
	// kubectl drops -t when its stdin is no terminal, so ask for a TTY
	// through client-go's WebSocket executor, as kubectl exec -it does.
	if got := execTTY(t, ns, "shell", "test -t 0 && echo has-tty; read line; echo got $line", "typed\n"); !strings.Contains(got, "has-tty") || !strings.Contains(got, "got typed") {
		t.Errorf("exec with a TTY: %q", got)
	}
	_, errOut, err = kubectl(t, "", "exec", "shell", "-n", ns, "--", "sh", "-c", "exit 3")
	if err == nil || !strings.Contains(errOut, "command terminated with exit code 3") {
		t.Errorf("exit code: %v %s", err, errOut)
	}
}

func execTTY(t *testing.T, ns, name, script, stdin string) string {
	t.Helper()
	req := srv.Client.CoreV1().RESTClient().Post().Namespace(ns).Resource("pods").Name(name).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Command: []string{"sh", "-c", script}, Stdin: true, Stdout: true, TTY: true}, scheme.ParameterCodec)
	ex, err := remotecommand.NewWebSocketExecutor(srv.Config, "GET", req.URL().String())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Typed input, with the terminal left open as a user's is.
	in, typing := io.Pipe()
	go func() { _, _ = typing.Write([]byte(stdin)) }()
	defer typing.Close()
	if err := ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: in, Stdout: &out, Tty: true}); err != nil {
		t.Errorf("exec with a TTY: %v (output %q)", err, out.String())
	}
	return out.String()
}

func TestDeleteWithGracePeriod(t *testing.T) {
	ns := srv.Namespace(t)
	p := pod("graceful", `trap 'echo got TERM; exit 0' TERM; while true; do sleep 0.1; done`)
	p.Spec.TerminationGracePeriodSeconds = ptr(int64(30))
	create(t, ns, p)
	uid := waitPod(t, ns, "graceful", "pod running", running).UID
	cgroups := func() []string {
		a, _ := filepath.Glob("/sys/fs/cgroup/*/kubepods/besteffort/pod" + string(uid))
		b, _ := filepath.Glob("/sys/fs/cgroup/kubepods/besteffort/pod" + string(uid))
		return append(a, b...)
	}
	if len(cgroups()) == 0 {
		t.Fatal("the running pod has no pod cgroup under kubepods/besteffort")
	}
	start := time.Now()
	if err := srv.Client.CoreV1().Pods(ns).Delete(context.Background(), "graceful", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testserver.Eventually(t, 30*time.Second, 100*time.Millisecond, "pod gone", func() (bool, string) {
		_, err := srv.Client.CoreV1().Pods(ns).Get(context.Background(), "graceful", metav1.GetOptions{})
		return apierrors.IsNotFound(err), "still there"
	})
	// A container that exits on TERM ends the deletion long before its
	// 30 s grace period.
	if d := time.Since(start); d > 25*time.Second {
		t.Errorf("deletion took %v; TERM did not reach the container", d)
	}
	testserver.Eventually(t, 20*time.Second, 100*time.Millisecond, "pod cgroups removed", func() (bool, string) {
		left := cgroups()
		return len(left) == 0, strings.Join(left, " ")
	})
	if !hasEvent(t, ns, "graceful", "Killing: Stopping container main") {
		t.Errorf("no Killing event: %v", events(t, ns, "graceful"))
	}
}
