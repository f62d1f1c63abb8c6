package scheduler

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func withLabels(p *corev1.Pod, kv ...string) *corev1.Pod {
	for i := 0; i+1 < len(kv); i += 2 {
		p.Labels[kv[i]] = kv[i+1]
	}
	return p
}

func term(key, app string) corev1.PodAffinityTerm {
	return corev1.PodAffinityTerm{TopologyKey: key, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}}
}

func TestPodAffinity(t *testing.T) {
	ns := namespace(t)
	for i := 1; i <= 3; i++ {
		addNode(t, fmt.Sprintf("pa-%d", i), nodeSpec{labels: map[string]string{"test-group": "pa"}})
	}
	create(t, ns, withLabels(pinned(pod("db", "", ""), "pa"), "app", "db"))
	dbNode := scheduled(t, ns, "db")
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("web-%d", i)
		p := withLabels(pinned(pod(name, "", ""), "pa"), "app", "web")
		p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{term(corev1.LabelHostname, "db")}}}
		create(t, ns, p)
		if n := scheduled(t, ns, name); n != dbNode {
			t.Errorf("%s went to %s, want %s next to db", name, n, dbNode)
		}
	}
	// Affinity to pods that do not exist (and do not match the pod itself)
	// cannot be satisfied.
	p := withLabels(pinned(pod("lonely", "", ""), "pa"), "app", "lonely")
	p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{term(corev1.LabelHostname, "cache")}}}
	create(t, ns, p)
	unschedulable(t, ns, "lonely", "node(s) didn't match pod affinity rules")
	// The first pod of a group with affinity to its own group schedules.
	self := withLabels(pinned(pod("self", "", ""), "pa"), "app", "self")
	self.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{term(corev1.LabelHostname, "self")}}}
	create(t, ns, self)
	scheduled(t, ns, "self")
}

func TestPodAntiAffinity(t *testing.T) {
	ns := namespace(t)
	for i := 1; i <= 3; i++ {
		addNode(t, fmt.Sprintf("anti-%d", i), nodeSpec{labels: map[string]string{"test-group": "anti"}})
	}
	seen := map[string]bool{}
	mk := func(name string) *corev1.Pod {
		p := withLabels(pinned(pod(name, "", ""), "anti"), "app", "spread")
		p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{term(corev1.LabelHostname, "spread")}}}
		return p
	}
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("r-%d", i)
		create(t, ns, mk(name))
		n := scheduled(t, ns, name)
		if seen[n] {
			t.Fatalf("%s shares node %s with another replica", name, n)
		}
		seen[n] = true
	}
	create(t, ns, mk("r-3"))
	unschedulable(t, ns, "r-3", "3 node(s) didn't match pod anti-affinity rules")
	// A pod the existing replicas' anti-affinity selects is kept away too.
	create(t, ns, withLabels(pinned(pod("intruder", "", ""), "anti"), "app", "spread"))
	unschedulable(t, ns, "intruder", "3 node(s) didn't satisfy existing pods anti-affinity rules")
}

func TestTopologySpreadAcrossZones(t *testing.T) {
	ns := namespace(t)
	zones := []string{"zone-a", "zone-a", "zone-b", "zone-c"}
	for i, z := range zones {
		addNode(t, fmt.Sprintf("ts-%d", i), nodeSpec{labels: map[string]string{"test-group": "ts", corev1.LabelTopologyZone: z}})
	}
	nodeZone := map[string]string{}
	for i, z := range zones {
		nodeZone[fmt.Sprintf("ts-%d", i)] = z
	}
	count := map[string]int{}
	mk := func(name string) *corev1.Pod {
		p := withLabels(pinned(pod(name, "", ""), "ts"), "app", "zoned")
		p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
			MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "zoned"}},
		}}
		return p
	}
	for i := 0; i < 6; i++ {
		name := fmt.Sprintf("z-%d", i)
		create(t, ns, mk(name))
		count[nodeZone[scheduled(t, ns, name)]]++
		lo, hi := 1<<30, 0
		for _, z := range []string{"zone-a", "zone-b", "zone-c"} {
			lo, hi = min(lo, count[z]), max(hi, count[z])
		}
		if hi-lo > 1 {
			t.Fatalf("after %d pods the zones hold %v: skew above 1", i+1, count)
		}
	}
	if count["zone-a"] != 2 || count["zone-b"] != 2 || count["zone-c"] != 2 {
		t.Errorf("6 pods over 3 zones: %v", count)
	}
	// With zone-b and zone-c cordoned... instead: a node without the zone
	// label cannot take a pod with a zone constraint.
	addNode(t, "ts-nozone", nodeSpec{labels: map[string]string{"test-group": "ts2"}})
	p := mk("nolabel")
	p.Spec.NodeSelector["test-group"] = "ts2"
	create(t, ns, p)
	unschedulable(t, ns, "nolabel", "node(s) didn't match pod topology spread constraints (missing required label)")
}
