package kubelet_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestCrashLoopBackOff(t *testing.T) {
	ns := srv.Namespace(t)
	create(t, ns, pod("crasher", "echo dying; exit 1"))
	p := waitPod(t, ns, "crasher", "CrashLoopBackOff", func(p *corev1.Pod) bool {
		cs := p.Status.ContainerStatuses
		return len(cs) == 1 && cs[0].State.Waiting != nil && cs[0].State.Waiting.Reason == "CrashLoopBackOff"
	})
	cs := p.Status.ContainerStatuses[0]
	if cs.RestartCount < 1 || cs.LastTerminationState.Terminated == nil ||
		cs.LastTerminationState.Terminated.ExitCode != 1 || cs.LastTerminationState.Terminated.Reason != "Error" {
		t.Errorf("status %+v", cs)
	}
	if !strings.HasPrefix(cs.State.Waiting.Message, "back-off 10s restarting failed container=main pod=crasher_"+ns) &&
		!strings.HasPrefix(cs.State.Waiting.Message, "back-off 20s restarting failed container=main pod=crasher_"+ns) {
		t.Errorf("waiting message %q", cs.State.Waiting.Message)
	}
	if p.Status.Phase != corev1.PodRunning || condition(p, corev1.PodReady) != corev1.ConditionFalse {
		t.Errorf("phase %s ready %s; upstream reports a crash-looping pod Running and not Ready", p.Status.Phase, condition(p, corev1.PodReady))
	}
	if !hasEvent(t, ns, "crasher", "BackOff: Back-off restarting failed container main in pod crasher_"+ns) {
		t.Errorf("no BackOff event: %v", events(t, ns, "crasher"))
	}
	out, _, err := kubectl(t, "", "logs", "crasher", "-n", ns, "--previous")
	if err != nil || out != "dying\n" {
		t.Errorf("logs --previous = %q, %v", out, err)
	}
}

func TestRunToCompletion(t *testing.T) {
	ns := srv.Namespace(t)
	ok := pod("done", "echo bye > /dev/termination-log; exit 0")
	ok.Spec.RestartPolicy = corev1.RestartPolicyNever
	create(t, ns, ok)
	bad := pod("failed", "exit 7")
	bad.Spec.RestartPolicy = corev1.RestartPolicyNever
	create(t, ns, bad)
	p := waitPod(t, ns, "done", "Succeeded", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodSucceeded })
	term := p.Status.ContainerStatuses[0].State.Terminated
	if term == nil || term.Reason != "Completed" || term.ExitCode != 0 || term.Message != "bye\n" {
		t.Errorf("terminated %+v", term)
	}
	if c := condition(p, corev1.PodReady); c != corev1.ConditionFalse {
		t.Errorf("Ready = %s", c)
	}
	p = waitPod(t, ns, "failed", "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	if term := p.Status.ContainerStatuses[0].State.Terminated; term == nil || term.Reason != "Error" || term.ExitCode != 7 {
		t.Errorf("terminated %+v", term)
	}
	out, _, _ := kubectl(t, "", "get", "pods", "-n", ns)
	for _, want := range []string{"Completed", "Error"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl get pods lacks %s:\n%s", want, out)
		}
	}
}

func TestLivenessProbeRestarts(t *testing.T) {
	ns := srv.Namespace(t)
	p := pod("unhealthy", "touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 3600")
	p.Spec.Containers[0].LivenessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/healthy"}}},
		PeriodSeconds: 1, FailureThreshold: 1,
	}
	create(t, ns, p)
	waitPod(t, ns, "unhealthy", "restarted by its liveness probe", func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 1
	})
	if !hasEvent(t, ns, "unhealthy", "Unhealthy: Liveness probe failed:") {
		t.Errorf("no Unhealthy event: %v", events(t, ns, "unhealthy"))
	}
	if !hasEvent(t, ns, "unhealthy", "Killing: Container main failed liveness probe, will be restarted") {
		t.Errorf("no Killing event: %v", events(t, ns, "unhealthy"))
	}
}

func TestReadinessProbe(t *testing.T) {
	ns := srv.Namespace(t)
	p := pod("web", "mkdir -p /www; echo ok > /www/index.html; sleep 1; httpd -f -p 8080 -h /www")
	p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/index.html", Port: intOrString(8080)}},
		PeriodSeconds: 1,
	}
	create(t, ns, p)
	waitPod(t, ns, "web", "ready through its HTTP probe", running)
}

func TestInitContainersRunInOrder(t *testing.T) {
	ns := srv.Namespace(t)
	p := pod("inits", "cat /work/order; sleep 3600")
	vol := corev1.VolumeMount{Name: "work", MountPath: "/work"}
	p.Spec.Volumes = []corev1.Volume{{Name: "work", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{vol}
	for _, name := range []string{"first", "second"} {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{
			Name: name, Image: busybox, Command: []string{"sh", "-c", "sleep 0.3; echo " + name + " >> /work/order"},
			VolumeMounts: []corev1.VolumeMount{vol},
		})
	}
	create(t, ns, p)
	got := waitPod(t, ns, "inits", "initialised and running", running)
	for _, cs := range got.Status.InitContainerStatuses {
		if cs.State.Terminated == nil || cs.State.Terminated.Reason != "Completed" {
			t.Errorf("init container %s: %+v", cs.Name, cs.State)
		}
	}
	out, _, err := kubectl(t, "", "logs", "inits", "-n", ns)
	if err != nil || out != "first\nsecond\n" {
		t.Errorf("order = %q, %v", out, err)
	}
	out, _, err = kubectl(t, "", "logs", "inits", "-n", ns, "-c", "second")
	if err != nil || out != "" {
		t.Errorf("init container logs = %q, %v", out, err)
	}
}

func TestImagePullError(t *testing.T) {
	ns := srv.Namespace(t)
	p := pod("noimage", "true")
	p.Spec.Containers[0].Image = strings.Replace(busybox, "test/busybox:1", "test/missing:1", 1)
	create(t, ns, p)
	waitPod(t, ns, "noimage", "ErrImagePull or ImagePullBackOff", func(p *corev1.Pod) bool {
		cs := p.Status.ContainerStatuses
		return len(cs) == 1 && cs[0].State.Waiting != nil && (cs[0].State.Waiting.Reason == "ErrImagePull" || cs[0].State.Waiting.Reason == "ImagePullBackOff")
	})
	if !hasEvent(t, ns, "noimage", `Failed: Failed to pull image "`+p.Spec.Containers[0].Image+`"`) {
		t.Errorf("no Failed event: %v", events(t, ns, "noimage"))
	}
}
