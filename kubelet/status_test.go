package kubelet

import (
	"os"
	"path/filepath"
	"testing"

	v1 "k8s.io/api/core/v1"
)

func running() v1.ContainerStatus {
	return v1.ContainerStatus{State: v1.ContainerState{Running: &v1.ContainerStateRunning{}}}
}

func exited(code int32) v1.ContainerStatus {
	return v1.ContainerStatus{State: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: code}}}
}

func backingOff(code int32) v1.ContainerStatus {
	return v1.ContainerStatus{
		State:                v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: code}},
	}
}

func creating() v1.ContainerStatus {
	return v1.ContainerStatus{State: v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "ContainerCreating"}}}
}

// The phases upstream's getPhase gives for the same container states.
func TestPodPhase(t *testing.T) {
	spec := func(policy v1.RestartPolicy, inits int) *v1.Pod {
		p := &v1.Pod{Spec: v1.PodSpec{RestartPolicy: policy, Containers: []v1.Container{{Name: "a"}}}}
		for i := 0; i < inits; i++ {
			p.Spec.InitContainers = append(p.Spec.InitContainers, v1.Container{Name: "init"})
		}
		return p
	}
	cases := []struct {
		name     string
		pod      *v1.Pod
		inits    []v1.ContainerStatus
		apps     []v1.ContainerStatus
		initDone bool
		want     v1.PodPhase
	}{
		{"creating", spec(v1.RestartPolicyAlways, 0), nil, []v1.ContainerStatus{creating()}, true, v1.PodPending},
		{"running", spec(v1.RestartPolicyAlways, 0), nil, []v1.ContainerStatus{running()}, true, v1.PodRunning},
		{"crash loop is Running", spec(v1.RestartPolicyAlways, 0), nil, []v1.ContainerStatus{backingOff(1)}, true, v1.PodRunning},
		{"exit 0, Never", spec(v1.RestartPolicyNever, 0), nil, []v1.ContainerStatus{exited(0)}, true, v1.PodSucceeded},
		{"exit 1, Never", spec(v1.RestartPolicyNever, 0), nil, []v1.ContainerStatus{exited(1)}, true, v1.PodFailed},
		{"exit 1, OnFailure restarts", spec(v1.RestartPolicyOnFailure, 0), nil, []v1.ContainerStatus{exited(1)}, true, v1.PodRunning},
		{"exit 0, OnFailure", spec(v1.RestartPolicyOnFailure, 0), nil, []v1.ContainerStatus{exited(0)}, true, v1.PodSucceeded},
		{"init running", spec(v1.RestartPolicyAlways, 1), []v1.ContainerStatus{running()}, []v1.ContainerStatus{creating()}, false, v1.PodPending},
		{"init failed, Never", spec(v1.RestartPolicyNever, 1), []v1.ContainerStatus{exited(2)}, []v1.ContainerStatus{creating()}, false, v1.PodFailed},
		{"init failed, Always retries", spec(v1.RestartPolicyAlways, 1), []v1.ContainerStatus{backingOff(2)}, []v1.ContainerStatus{creating()}, false, v1.PodPending},
	}
	for _, c := range cases {
		if got := podPhase(c.pod, c.inits, c.apps, c.initDone); got != c.want {
			t.Errorf("%s: phase %s, want %s", c.name, got, c.want)
		}
	}
}

func TestShouldRestart(t *testing.T) {
	always := v1.ContainerRestartPolicyAlways
	pod := &v1.Pod{Spec: v1.PodSpec{RestartPolicy: v1.RestartPolicyNever}}
	if shouldRestart(pod, &v1.Container{}, 1) {
		t.Error("Never restarted a container")
	}
	if !shouldRestart(pod, &v1.Container{RestartPolicy: &always}, 0) {
		t.Error("a container's own Always (sidecar) did not win over the pod's Never")
	}
	pod.Spec.RestartPolicy = v1.RestartPolicyOnFailure
	if shouldRestart(pod, &v1.Container{}, 0) || !shouldRestart(pod, &v1.Container{}, 3) {
		t.Error("OnFailure restarts only failures")
	}
}

func TestRegistryHost(t *testing.T) {
	for image, want := range map[string]string{
		"busybox":                        "docker.io",
		"library/busybox:1":              "docker.io",
		"registry.k8s.io/pause:3.10":     "registry.k8s.io",
		"127.0.0.1:5000/test/busybox:1":  "127.0.0.1:5000",
		"localhost/app":                  "localhost",
		"ghcr.io/org/app@sha256:abcdef0": "ghcr.io",
	} {
		if got := registryHost(image); got != want {
			t.Errorf("registryHost(%q) = %q, want %q", image, got, want)
		}
	}
}

// The termination message of FallbackToLogsOnError is the log's tail,
// with partial lines joined as the runtime wrote them.
func TestTailLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	log := "2026-12-05T10:00:00.000000001Z stdout F first\n" +
		"2026-12-05T10:00:00.000000002Z stderr P part-\n" +
		"2026-12-05T10:00:00.000000003Z stderr F two\n" +
		"2026-12-05T10:00:00.000000004Z stdout F last\n"
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := tailLog(path, 80, 2048); got != "first\npart-two\nlast\n" {
		t.Errorf("tail = %q", got)
	}
	if got := tailLog(path, 80, 5); got != "last\n" {
		t.Errorf("tail limited to 5 bytes = %q", got)
	}
}

func TestOOMScoreAdj(t *testing.T) {
	g := &v1.Pod{Status: v1.PodStatus{QOSClass: v1.PodQOSGuaranteed}}
	b := &v1.Pod{Status: v1.PodStatus{QOSClass: v1.PodQOSBestEffort}}
	if oomScoreAdj(g, &v1.Container{}, 1<<30) != -997 || oomScoreAdj(b, &v1.Container{}, 1<<30) != 1000 {
		t.Error("guaranteed -997 and best-effort 1000, as upstream")
	}
}
