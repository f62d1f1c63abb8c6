package scheduler

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Tests in this package share one server, so each registers its own nodes
// with a label and pins its pods to them with a nodeSelector; the node
// counts in messages ("0/N nodes") therefore only appear in tests that
// run alone on the cluster (see serial tests).

func pinned(p *corev1.Pod, group string) *corev1.Pod {
	if p.Spec.NodeSelector == nil {
		p.Spec.NodeSelector = map[string]string{}
	}
	p.Spec.NodeSelector["test-group"] = group
	return p
}

func TestResourceFit(t *testing.T) {
	ns := namespace(t)
	addNode(t, "fit-small", nodeSpec{labels: map[string]string{"test-group": "fit"}, cpu: "1", memory: "1Gi"})
	addNode(t, "fit-big", nodeSpec{labels: map[string]string{"test-group": "fit"}, cpu: "4", memory: "8Gi"})
	create(t, ns, pinned(pod("big", "2", "1Gi"), "fit"))
	if n := scheduled(t, ns, "big"); n != "fit-big" {
		t.Fatalf("pod needing 2 CPUs went to %s", n)
	}
	hasEvent(t, ns, "big", "Normal Scheduled default-scheduler: Successfully assigned "+ns+"/big to fit-big")
	// Nothing has 4 more CPUs now.
	create(t, ns, pinned(pod("huge", "3", ""), "fit"))
	msg := unschedulable(t, ns, "huge", "Insufficient cpu")
	if !strings.Contains(msg, "2 Insufficient cpu.") {
		t.Errorf("message %q does not count 2 nodes with insufficient cpu", msg)
	}
	hasEvent(t, ns, "huge", "Warning FailedScheduling default-scheduler: 0/")
}

func TestTaints(t *testing.T) {
	ns := namespace(t)
	taint := corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}
	addNode(t, "taint-a", nodeSpec{labels: map[string]string{"test-group": "taint"}, taints: []corev1.Taint{taint}})
	create(t, ns, pinned(pod("plain", "", ""), "taint"))
	unschedulable(t, ns, "plain", "1 node(s) had untolerated taint(s)")
	tolerating := pinned(pod("tolerating", "", ""), "taint")
	tolerating.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
	create(t, ns, tolerating)
	if n := scheduled(t, ns, "tolerating"); n != "taint-a" {
		t.Fatalf("tolerating pod went to %s", n)
	}
	// PreferNoSchedule steers pods away.
	addNode(t, "taint-soft", nodeSpec{labels: map[string]string{"test-group": "taint2"}, taints: []corev1.Taint{{Key: "soft", Effect: corev1.TaintEffectPreferNoSchedule}}})
	addNode(t, "taint-clean", nodeSpec{labels: map[string]string{"test-group": "taint2"}})
	for _, name := range []string{"p1", "p2", "p3"} {
		create(t, ns, pinned(pod(name, "", ""), "taint2"))
		if n := scheduled(t, ns, name); n != "taint-clean" {
			t.Errorf("pod %s went to %s, want the node without PreferNoSchedule taint", name, n)
		}
	}
}

func TestNodeAffinity(t *testing.T) {
	ns := namespace(t)
	addNode(t, "aff-ssd", nodeSpec{labels: map[string]string{"test-group": "aff", "disk": "ssd"}})
	addNode(t, "aff-hdd", nodeSpec{labels: map[string]string{"test-group": "aff", "disk": "hdd"}})
	p := pinned(pod("required", "", ""), "aff")
	p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "disk", Operator: corev1.NodeSelectorOpIn, Values: []string{"ssd"}}}}},
	}}}
	create(t, ns, p)
	if n := scheduled(t, ns, "required"); n != "aff-ssd" {
		t.Fatalf("required affinity pod went to %s", n)
	}
	for i, name := range []string{"pref1", "pref2", "pref3"} {
		_ = i
		p := pinned(pod(name, "", ""), "aff")
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{{
			Weight: 50, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "disk", Operator: corev1.NodeSelectorOpIn, Values: []string{"hdd"}}}},
		}}}}
		create(t, ns, p)
		if n := scheduled(t, ns, name); n != "aff-hdd" {
			t.Errorf("preferred affinity pod %s went to %s", name, n)
		}
	}
	none := pinned(pod("nomatch", "", ""), "aff")
	none.Spec.NodeSelector["disk"] = "nvme"
	create(t, ns, none)
	unschedulable(t, ns, "nomatch", "node(s) didn't match Pod's node affinity/selector")
}

func TestNodePorts(t *testing.T) {
	ns := namespace(t)
	addNode(t, "ports-1", nodeSpec{labels: map[string]string{"test-group": "ports"}})
	mk := func(name string) *corev1.Pod {
		p := pinned(pod(name, "", ""), "ports")
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080, Protocol: corev1.ProtocolTCP}}
		return p
	}
	create(t, ns, mk("first"))
	scheduled(t, ns, "first")
	create(t, ns, mk("second"))
	unschedulable(t, ns, "second", "1 node(s) didn't have free ports for the requested pod ports")
	// Freeing the port lets the second pod in.
	zero := int64(0)
	if err := srv.Client.CoreV1().Pods(ns).Delete(ctx, "first", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	if n := scheduled(t, ns, "second"); n != "ports-1" {
		t.Fatalf("second went to %s", n)
	}
}

func TestUnschedulableUntilNodeAdded(t *testing.T) {
	ns := namespace(t)
	create(t, ns, pinned(pod("waiting", "", ""), "late"))
	// "no nodes available to schedule pods" when the cluster is empty,
	// "0/N nodes are available: N node(s) didn't match ..." otherwise.
	unschedulable(t, ns, "waiting", "")
	addNode(t, "late-node", nodeSpec{labels: map[string]string{"test-group": "late"}})
	if n := scheduled(t, ns, "waiting"); n != "late-node" {
		t.Fatalf("pod went to %s", n)
	}
}

func TestCordonedNode(t *testing.T) {
	ns := namespace(t)
	addNode(t, "cordoned", nodeSpec{labels: map[string]string{"test-group": "cordon"}, unschedulable: true})
	create(t, ns, pinned(pod("p", "", ""), "cordon"))
	unschedulable(t, ns, "p", "1 node(s) were unschedulable")
}
