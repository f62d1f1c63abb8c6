package daemonset

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func node(name string, labels map[string]string, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: corev1.NodeSpec{Taints: taints}}
}

func TestShouldRun(t *testing.T) {
	ds := &appsv1.DaemonSet{}
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"role": "edge"}
	if ShouldRun(ds, node("a", nil)) || !ShouldRun(ds, node("a", map[string]string{"role": "edge"})) {
		t.Error("nodeSelector")
	}
	ds.Spec.Template.Spec.NodeSelector = nil
	ds.Spec.Template.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{
			{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"z1"}}}},
			{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"special"}}}},
		}}}}
	if !ShouldRun(ds, node("a", map[string]string{"zone": "z1"})) || ShouldRun(ds, node("a", map[string]string{"zone": "z2"})) || !ShouldRun(ds, node("special", nil)) {
		t.Error("node affinity")
	}
	ds.Spec.Template.Spec.Affinity = nil
	// Default tolerations cover the node condition taints.
	for _, key := range []string{corev1.TaintNodeUnschedulable, corev1.TaintNodeDiskPressure, corev1.TaintNodeMemoryPressure, corev1.TaintNodePIDPressure} {
		if !ShouldRun(ds, node("a", nil, corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule})) {
			t.Errorf("default toleration of %s", key)
		}
	}
	if !ShouldRun(ds, node("a", nil, corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute})) {
		t.Error("not-ready NoExecute")
	}
	net := corev1.Taint{Key: corev1.TaintNodeNetworkUnavailable, Effect: corev1.TaintEffectNoSchedule}
	if ShouldRun(ds, node("a", nil, net)) {
		t.Error("network-unavailable tolerated without hostNetwork")
	}
	ds.Spec.Template.Spec.HostNetwork = true
	if !ShouldRun(ds, node("a", nil, net)) {
		t.Error("network-unavailable not tolerated with hostNetwork")
	}
	custom := corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule}
	if ShouldRun(ds, node("a", nil, custom)) {
		t.Error("untolerated taint")
	}
	if !ShouldRun(ds, node("a", nil, corev1.Taint{Key: "soft", Effect: corev1.TaintEffectPreferNoSchedule})) {
		t.Error("PreferNoSchedule blocks")
	}
	ds.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "db", Effect: corev1.TaintEffectNoSchedule}}
	if !ShouldRun(ds, node("a", nil, custom)) {
		t.Error("tolerated taint")
	}
}

func TestNewPod(t *testing.T) {
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "ds", Namespace: "ns", UID: "u"}}
	ds.Spec.Template.Labels = map[string]string{"app": "x"}
	p := NewPod(ds, "n1", "h")
	if p.GenerateName != "ds-" || p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] != "h" || nodeOf(p) != "n1" || len(p.Spec.Tolerations) != 6 {
		t.Errorf("pod %+v", p)
	}
	if ref := metav1.GetControllerOf(p); ref == nil || ref.Kind != "DaemonSet" || ref.UID != "u" {
		t.Errorf("owner %v", ref)
	}
}
