package kubelet_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	remote "k8s.io/cri-client/pkg"
)

// TestSandboxRecreated stops a running pod's sandbox behind the kubelet's
// back (as a reboot or a dead pause process would): the kubelet makes a
// new one and runs the pod again from its init containers, counting the
// restart.
func TestSandboxRecreated(t *testing.T) {
	ns := srv.Namespace(t)
	p := pod("phoenix", "cat /work/order; sleep 3600")
	vol := corev1.VolumeMount{Name: "work", MountPath: "/work"}
	p.Spec.Volumes = []corev1.Volume{{Name: "work", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{vol}
	p.Spec.InitContainers = []corev1.Container{{
		Name: "init", Image: busybox, Command: []string{"sh", "-c", "echo init ran >> /work/order"}, VolumeMounts: []corev1.VolumeMount{vol},
	}}
	uid := create(t, ns, p).UID
	waitPod(t, ns, "phoenix", "pod running", running)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rt, err := remote.NewRemoteRuntimeService(ctx, "unix://"+filepath.Join(srv.Dir, "containerd", "containerd.sock"), 10*time.Second, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	sbs, err := rt.ListPodSandbox(ctx, &runtimeapi.PodSandboxFilter{LabelSelector: map[string]string{"io.kubernetes.pod.uid": string(uid)}})
	if err != nil || len(sbs) != 1 {
		t.Fatalf("sandboxes of the pod: %v %v", sbs, err)
	}
	if err := rt.StopPodSandbox(ctx, sbs[0].Id); err != nil {
		t.Fatal(err)
	}
	got := waitPod(t, ns, "phoenix", "running again in a new sandbox", func(p *corev1.Pod) bool {
		return running(p) && p.Status.ContainerStatuses[0].RestartCount >= 1
	})
	if init := got.Status.InitContainerStatuses[0]; init.RestartCount < 1 || init.State.Terminated == nil {
		t.Errorf("init container was not run again: %s", describe(got))
	}
	out, _, err := kubectl(t, "", "logs", "phoenix", "-n", ns)
	if err != nil || out != "init ran\ninit ran\n" {
		t.Errorf("main saw %q (%v); want the init container's line twice", out, err)
	}
}
