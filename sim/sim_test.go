package sim

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestAddressPlan(t *testing.T) {
	o := Defaults()
	n := newNode(300, &o)
	if n.name != "sim-300" || n.hostIP != "172.16.1.45" || n.podCIDR() != "10.129.44.0/24" {
		t.Errorf("node 300: name %s, hostIP %s, podCIDR %s", n.name, n.hostIP, n.podCIDR())
	}
	if a, b := n.podIP(), n.podIP(); a != "10.129.44.2" || b != "10.129.44.3" {
		t.Errorf("first pod IPs %s, %s", a, b)
	}
	last := newNode(maxNodes-1, &o)
	if last.podCIDR() != "10.255.255.0/24" {
		t.Errorf("last node's podCIDR %s", last.podCIDR())
	}
}

func TestImageID(t *testing.T) {
	for image, wantPrefix := range map[string]string{
		"nginx":                        "nginx@sha256:",
		"nginx:1.27":                   "nginx@sha256:",
		"localhost:5000/app":           "localhost:5000/app@sha256:",
		"localhost:5000/app:v1":        "localhost:5000/app@sha256:",
		"registry.example/x@sha256:ab": "registry.example/x@sha256:ab",
	} {
		got := imageID(image)
		if len(got) < len(wantPrefix) || got[:len(wantPrefix)] != wantPrefix {
			t.Errorf("imageID(%q) = %q, want prefix %q", image, got, wantPrefix)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, o := range []Options{{Count: -1}, {Count: maxNodes + 1}, {Count: 1, CPU: "lots"}, {Count: 1, Zones: -1}} {
		if err := o.validate(); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	o := Options{Count: 2}
	if err := o.validate(); err != nil || o.Pods != "110" || o.NamePrefix != "sim-" {
		t.Errorf("defaults not applied: %v %+v", err, o)
	}
}

func TestConditionsKeepSchedulerAndTransitionTimes(t *testing.T) {
	early := metav1.Unix(1000, 0)
	p := &corev1.Pod{Status: corev1.PodStatus{Conditions: []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: early},
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: early},
	}}}
	now := metav1.Unix(2000, 0)
	setConditions(p, now, corev1.ConditionTrue, "")
	got := map[corev1.PodConditionType]corev1.PodCondition{}
	for _, c := range p.Status.Conditions {
		got[c.Type] = c
	}
	if len(p.Status.Conditions) != 5 {
		t.Fatalf("conditions: %+v", p.Status.Conditions)
	}
	if !got[corev1.PodScheduled].LastTransitionTime.Time.Equal(early.Time) || !got[corev1.PodReady].LastTransitionTime.Time.Equal(early.Time) {
		t.Errorf("transition times moved: %+v", p.Status.Conditions)
	}
	if !got[corev1.ContainersReady].LastTransitionTime.Time.Equal(now.Time) {
		t.Errorf("new condition's transition time: %+v", got[corev1.ContainersReady])
	}
}
