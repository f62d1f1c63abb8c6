package workload

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestComputeHashStable(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"b": "2", "a": "1"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
	}
	h1 := ComputeHash(tmpl, nil)
	h2 := ComputeHash(tmpl.DeepCopy(), nil)
	if h1 != h2 || h1 == "" {
		t.Fatalf("hash not stable: %q %q", h1, h2)
	}
	one := int32(1)
	if ComputeHash(tmpl, &one) == h1 {
		t.Error("collision count does not change the hash")
	}
	tmpl.Spec.Containers[0].Image = "nginx:2"
	if ComputeHash(tmpl, nil) == h1 {
		t.Error("template change does not change the hash")
	}
}

func pod(name, node string, phase corev1.PodPhase, ready bool, created int64) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.Unix(created, 0)}, Spec: corev1.PodSpec{NodeName: node}, Status: corev1.PodStatus{Phase: phase}}
	s := corev1.ConditionFalse
	if ready {
		s = corev1.ConditionTrue
	}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: s, LastTransitionTime: metav1.Unix(created, 0)}}
	return p
}

func TestPodsToDelete(t *testing.T) {
	pods := []*corev1.Pod{
		pod("running-ready-old", "n", corev1.PodRunning, true, 1),
		pod("running-ready-new", "n", corev1.PodRunning, true, 1000),
		pod("pending", "n", corev1.PodPending, false, 5),
		pod("unassigned", "", corev1.PodPending, false, 5),
		pod("running-notready", "n", corev1.PodRunning, false, 5),
	}
	got := PodsToDelete(pods, pods, 4)
	want := []string{"unassigned", "pending", "running-notready", "running-ready-new"}
	for i, p := range got {
		if p.Name != want[i] {
			t.Fatalf("order %d: %s, want %s", i, p.Name, want[i])
		}
	}
}

func TestAvailability(t *testing.T) {
	p := pod("p", "n", corev1.PodRunning, true, 0)
	now := time.Unix(10, 0)
	if !IsPodAvailable(p, 0, now) || !IsPodAvailable(p, 5, now) || IsPodAvailable(p, 20, now) {
		t.Error("availability by minReadySeconds")
	}
	if d := NextAvailabilityCheck([]*corev1.Pod{p}, 20, now); d == nil || *d < 10*time.Second {
		t.Errorf("next check %v", d)
	}
}

func TestExpectations(t *testing.T) {
	e := NewExpectations()
	e.ExpectCreations("k", 2)
	if e.Satisfied("k") {
		t.Fatal("satisfied with pending creations")
	}
	e.CreationObserved("k")
	e.CreationObserved("k")
	if !e.Satisfied("k") {
		t.Fatal("not satisfied after observing")
	}
	e.ExpectDeletions("k", []string{"ns/a"})
	e.DeletionObserved("k", "ns/a")
	e.DeletionObserved("k", "ns/a")
	if !e.Satisfied("k") {
		t.Fatal("deletions")
	}
}
