package kubelet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	stats "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
)

func TestSidecarStartsBeforeAppAndStopsAfter(t *testing.T) {
	ns := srv.Namespace(t)
	p := pod("with-sidecar", "cat /shared/log; sleep 1; exit 0")
	always := corev1.ContainerRestartPolicyAlways
	p.Spec.RestartPolicy = corev1.RestartPolicyNever
	p.Spec.Volumes = []corev1.Volume{{Name: "shared", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}}}
	mount := []corev1.VolumeMount{{Name: "shared", MountPath: "/shared"}}
	p.Spec.Containers[0].VolumeMounts = mount
	p.Spec.InitContainers = []corev1.Container{{
		Name: "sidecar", Image: busybox, RestartPolicy: &always, VolumeMounts: mount,
		Command: []string{"sh", "-c", "echo sidecar was first > /shared/log; sleep 3600"},
		StartupProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"test", "-s", "/shared/log"}}},
			PeriodSeconds: 1,
		},
	}}
	create(t, ns, p)
	got := waitPod(t, ns, "with-sidecar", "Succeeded once the app container finished", func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodSucceeded
	})
	if s := got.Status.InitContainerStatuses; len(s) != 1 || s[0].State.Terminated == nil {
		t.Errorf("sidecar not stopped after the app container: %s", describe(got))
	}
	out, _, err := kubectl(t, "", "logs", "with-sidecar", "-n", ns, "-c", "main")
	if err != nil || out != "sidecar was first\n" {
		t.Errorf("app saw %q, %v", out, err)
	}
}

func TestOOMKilled(t *testing.T) {
	ns := srv.Namespace(t)
	p := pod("hungry", "head -c 200m /dev/zero | tail")
	p.Spec.RestartPolicy = corev1.RestartPolicyNever
	p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("20Mi")}
	create(t, ns, p)
	got := waitPod(t, ns, "hungry", "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	term := got.Status.ContainerStatuses[0].State.Terminated
	if term == nil || term.Reason != "OOMKilled" || term.ExitCode != 137 {
		t.Errorf("terminated %+v, want OOMKilled with exit code 137", term)
	}
	if got.Status.QOSClass != corev1.PodQOSBurstable {
		t.Errorf("qosClass %s", got.Status.QOSClass)
	}
}

func TestLifecycleHooks(t *testing.T) {
	ns := srv.Namespace(t)
	p := pod("hooked", "sleep 3600")
	p.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{
		PostStart: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sh", "-c", "echo post-start > /tmp/hook"}}},
	}
	create(t, ns, p)
	waitPod(t, ns, "hooked", "pod running", running)
	out, errOut, err := kubectl(t, "", "exec", "hooked", "-n", ns, "--", "cat", "/tmp/hook")
	if err != nil || out != "post-start\n" {
		t.Errorf("postStart hook: %q %v %s", out, err, errOut)
	}
	bad := pod("badhook", "sleep 3600")
	bad.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{
		PostStart: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sh", "-c", "exit 2"}}},
	}
	create(t, ns, bad)
	waitPod(t, ns, "badhook", "FailedPostStartHook event", func(*corev1.Pod) bool {
		return hasEvent(t, ns, "badhook", "FailedPostStartHook: Exec lifecycle hook ([sh -c exit 2]) for Container \"main\" in Pod \""+ns+"/badhook\" failed")
	})
}

func TestAttach(t *testing.T) {
	ns := srv.Namespace(t)
	p := pod("attached", "while read line; do echo echo: $line; done")
	p.Spec.Containers[0].Stdin = true
	create(t, ns, p)
	waitPod(t, ns, "attached", "pod running", running)
	// As a user typing: the input stays open while the answer comes.
	if got := attach(t, ns, "attached", "hi there\n", "echo: hi there"); !strings.Contains(got, "echo: hi there") {
		t.Errorf("attach: %q", got)
	}
}

func TestStatsSummaryThroughNodeProxy(t *testing.T) {
	ns := srv.Namespace(t)
	create(t, ns, pod("measured", "sleep 3600"))
	waitPod(t, ns, "measured", "pod running", running)
	raw, err := srv.Client.CoreV1().RESTClient().Get().AbsPath("/api/v1/nodes", nodeName, "proxy/stats/summary").DoRaw(context.Background())
	if err != nil {
		t.Fatalf("nodes/proxy/stats/summary: %v", err)
	}
	var s stats.Summary
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if s.Node.NodeName != nodeName || s.Node.Memory == nil || s.Node.Memory.WorkingSetBytes == nil {
		t.Errorf("node stats %+v", s.Node)
	}
	found := false
	for _, p := range s.Pods {
		if p.PodRef.Name == "measured" && p.PodRef.Namespace == ns && len(p.Containers) == 1 && p.Containers[0].Memory != nil {
			found = true
		}
	}
	if !found {
		t.Errorf("no stats for pod measured in %s", raw)
	}
}

// attach writes stdin to the container through pods/attach and reads its
// output until want appears (or 20 s pass).
func attach(t *testing.T, ns, name, stdin, want string) string {
	t.Helper()
	req := srv.Client.CoreV1().RESTClient().Post().Namespace(ns).Resource("pods").Name(name).SubResource("attach").
		VersionedParams(&corev1.PodAttachOptions{Container: "main", Stdin: true, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	ex, err := remotecommand.NewWebSocketExecutor(srv.Config, "GET", req.URL().String())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	in, typing := io.Pipe()
	defer typing.Close()
	go func() { _, _ = typing.Write([]byte(stdin)) }()
	out := &watchWriter{want: want, found: cancel}
	_ = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: in, Stdout: out, Stderr: out})
	return out.buf.String()
}

type watchWriter struct {
	buf   bytes.Buffer
	want  string
	found func()
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	if bytes.Contains(w.buf.Bytes(), []byte(w.want)) {
		w.found()
	}
	return len(p), nil
}
