package kubelet_test

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/skiff-k8s/skiff/test/testserver"
)

// TestRestartAdoptsRunningPods restarts skiff (API server, kubelet and
// its containerd) on the same data dir: the pod's container keeps running
// and the new kubelet adopts it instead of starting another.
func TestRestartAdoptsRunningPods(t *testing.T) {
	ns := srv.Namespace(t)
	p := pod("survivor", "sleep 3600")
	p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}},
		PeriodSeconds: 1,
	}
	create(t, ns, p)
	before := waitPod(t, ns, "survivor", "pod running", running).Status.ContainerStatuses[0]

	dir := srv.Dir
	srv.Stop()
	var err error
	if srv, err = testserver.StartWith(serverOptions(dir)); err != nil {
		t.Fatalf("restarting skiff: %v", err)
	}
	// The new kubelet reports the same container, still running, ready
	// again once its probe has run.
	time.Sleep(2 * time.Second)
	after := waitPod(t, ns, "survivor", "pod running after the restart", running).Status.ContainerStatuses[0]
	if after.ContainerID != before.ContainerID || after.RestartCount != 0 || !after.State.Running.StartedAt.Equal(&before.State.Running.StartedAt) {
		t.Errorf("container before %s (started %v), after %s (started %v, restarts %d)",
			before.ContainerID, before.State.Running.StartedAt, after.ContainerID, after.State.Running.StartedAt, after.RestartCount)
	}
	out, _, err := kubectl(t, "", "exec", "survivor", "-n", ns, "--", "echo", "still here")
	if err != nil || out != "still here\n" {
		t.Errorf("exec after restart: %q %v", out, err)
	}
}
