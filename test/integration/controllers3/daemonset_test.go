package controllers3

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podNodes lists the nodes the live pods with label app run on.
func podNodes(t *testing.T, ns, app string) ([]string, []corev1.Pod) {
	t.Helper()
	list, err := srv.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var live []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp != nil {
			continue
		}
		names = append(names, p.Spec.NodeName)
		live = append(live, p)
	}
	sort.Strings(names)
	return names, live
}

func labelNode(t *testing.T, node, value string) {
	t.Helper()
	v := "null"
	if value != "" {
		v = `"` + value + `"`
	}
	patch := fmt.Sprintf(`{"metadata":{"labels":{"role":%s}}}`, v)
	if _, err := srv.Client.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = srv.Client.CoreV1().Nodes().Patch(context.Background(), node, types.MergePatchType, []byte(`{"metadata":{"labels":{"role":null}}}`), metav1.PatchOptions{})
	})
}

func TestDaemonSetOnePodPerNodeAndRollingUpdate(t *testing.T) {
	ns := newNamespace(t)
	dss := srv.Client.AppsV1().DaemonSets(ns)
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
			Template: podTemplate("agent", "agent:1"),
		},
	}
	if _, err := dss.Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	out := ok(t, "-n", ns, "rollout", "status", "ds/agent", "--timeout=60s")
	contains(t, "rollout status", out, `daemon set "agent" successfully rolled out`)
	nodesOf, pods := podNodes(t, ns, "agent")
	if strings.Join(nodesOf, ",") != "node-1,node-2,node-3" {
		t.Fatalf("pods on nodes %v", nodesOf)
	}
	for _, p := range pods {
		a := p.Spec.Affinity
		if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil ||
			a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchFields[0].Values[0] != p.Spec.NodeName {
			t.Errorf("%s affinity %+v on %s", p.Name, a, p.Spec.NodeName)
		}
		keys := map[string]bool{}
		for _, tol := range p.Spec.Tolerations {
			keys[tol.Key+":"+string(tol.Effect)] = true
		}
		for _, want := range []string{"node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/unreachable:NoExecute",
			"node.kubernetes.io/disk-pressure:NoSchedule", "node.kubernetes.io/memory-pressure:NoSchedule",
			"node.kubernetes.io/pid-pressure:NoSchedule", "node.kubernetes.io/unschedulable:NoSchedule"} {
			if !keys[want] {
				t.Errorf("%s lacks toleration %s: %v", p.Name, want, p.Spec.Tolerations)
			}
		}
		if p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == "" || p.Labels["pod-template-generation"] != "1" {
			t.Errorf("%s labels %v", p.Name, p.Labels)
		}
	}
	got, _ := dss.Get(ctx, "agent", metav1.GetOptions{})
	st := got.Status
	if st.DesiredNumberScheduled != 3 || st.CurrentNumberScheduled != 3 || st.NumberReady != 3 || st.NumberAvailable != 3 ||
		st.UpdatedNumberScheduled != 3 || st.NumberMisscheduled != 0 || st.ObservedGeneration != got.Generation {
		t.Errorf("status %+v", st)
	}
	contains(t, "get ds", ok(t, "-n", ns, "get", "ds", "agent"), "agent   3         3         3       3            3")

	// A rolling update replaces every pod.
	ok(t, "-n", ns, "set", "image", "ds/agent", "c=agent:2")
	contains(t, "rollout status 2", ok(t, "-n", ns, "rollout", "status", "ds/agent", "--timeout=60s"), `daemon set "agent" successfully rolled out`)
	eventually(t, "all pods updated", func() (bool, string) {
		nodesOf, pods := podNodes(t, ns, "agent")
		for _, p := range pods {
			if p.Spec.Containers[0].Image != "agent:2" {
				return false, p.Name + " " + p.Spec.Containers[0].Image
			}
		}
		return strings.Join(nodesOf, ",") == "node-1,node-2,node-3", fmt.Sprint(nodesOf)
	})
	contains(t, "history", ok(t, "-n", ns, "rollout", "history", "ds/agent"), "REVISION", "1 ", "2 ")
	revs, err := srv.Client.AppsV1().ControllerRevisions(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(revs.Items) != 2 {
		t.Fatalf("revisions %v %d", err, len(revs.Items))
	}

	// Surge: the new pod starts before the old one goes.
	ok(t, "-n", ns, "patch", "ds/agent", "-p", `{"spec":{"updateStrategy":{"rollingUpdate":{"maxSurge":1,"maxUnavailable":0}},"template":{"spec":{"containers":[{"name":"c","image":"agent:3"}]}}}}`)
	contains(t, "rollout status 3", ok(t, "-n", ns, "rollout", "status", "ds/agent", "--timeout=60s"), `daemon set "agent" successfully rolled out`)
	eventually(t, "surge update done", func() (bool, string) {
		nodesOf, pods := podNodes(t, ns, "agent")
		for _, p := range pods {
			if p.Spec.Containers[0].Image != "agent:3" {
				return false, p.Name + " " + p.Spec.Containers[0].Image
			}
		}
		return strings.Join(nodesOf, ",") == "node-1,node-2,node-3", fmt.Sprint(nodesOf)
	})

	// Undo goes back to the previous template.
	contains(t, "undo", ok(t, "-n", ns, "rollout", "undo", "ds/agent"), "daemonset.apps/agent rolled back")
	ok(t, "-n", ns, "rollout", "status", "ds/agent", "--timeout=60s")
	eventually(t, "rolled back pods", func() (bool, string) {
		nodesOf, pods := podNodes(t, ns, "agent")
		for _, p := range pods {
			if p.Spec.Containers[0].Image != "agent:2" {
				return false, p.Name + " " + p.Spec.Containers[0].Image
			}
		}
		return strings.Join(nodesOf, ",") == "node-1,node-2,node-3", fmt.Sprint(nodesOf)
	})
	contains(t, "history after undo", ok(t, "-n", ns, "rollout", "history", "ds/agent"), "1 ", "3 ", "4 ")
}

func TestDaemonSetNodeSelectorAndTaints(t *testing.T) {
	ns := newNamespace(t)
	dss := srv.Client.AppsV1().DaemonSets(ns)
	labelNode(t, "node-2", "edge")
	tmpl := podTemplate("edge", "edge:1")
	tmpl.Spec.NodeSelector = map[string]string{"role": "edge"}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "edge"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "edge"}},
			Template: tmpl,
		},
	}
	if _, err := dss.Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	contains(t, "rollout status", ok(t, "-n", ns, "rollout", "status", "ds/edge", "--timeout=60s"), `daemon set "edge" successfully rolled out`)
	if nodesOf, _ := podNodes(t, ns, "edge"); strings.Join(nodesOf, ",") != "node-2" {
		t.Fatalf("pods on %v, want node-2 only", nodesOf)
	}
	// Labelling another node adds a pod there.
	labelNode(t, "node-3", "edge")
	eventually(t, "pod on node-3", func() (bool, string) {
		nodesOf, _ := podNodes(t, ns, "edge")
		got, _ := dss.Get(ctx, "edge", metav1.GetOptions{})
		return strings.Join(nodesOf, ",") == "node-2,node-3" && got.Status.DesiredNumberScheduled == 2 && got.Status.NumberReady == 2, fmt.Sprint(nodesOf, got.Status)
	})
	// A NoSchedule taint the pods do not tolerate removes the pod.
	n3, err := srv.Client.CoreV1().Nodes().Get(ctx, "node-3", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n3.Spec.Taints = append(n3.Spec.Taints, corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule})
	if _, err := srv.Client.CoreV1().Nodes().Update(ctx, n3, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n, err := srv.Client.CoreV1().Nodes().Get(context.Background(), "node-3", metav1.GetOptions{})
		if err != nil {
			return
		}
		var keep []corev1.Taint
		for _, tt := range n.Spec.Taints {
			if tt.Key != "dedicated" {
				keep = append(keep, tt)
			}
		}
		n.Spec.Taints = keep
		_, _ = srv.Client.CoreV1().Nodes().Update(context.Background(), n, metav1.UpdateOptions{})
	})
	eventually(t, "pod leaves tainted node-3", func() (bool, string) {
		nodesOf, _ := podNodes(t, ns, "edge")
		got, _ := dss.Get(ctx, "edge", metav1.GetOptions{})
		return strings.Join(nodesOf, ",") == "node-2" && got.Status.DesiredNumberScheduled == 1, fmt.Sprint(nodesOf, got.Status)
	})
	// Unlabelling node-2 removes its pod too.
	if _, err := srv.Client.CoreV1().Nodes().Patch(ctx, "node-2", types.MergePatchType, []byte(`{"metadata":{"labels":{"role":null}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "no pods left", func() (bool, string) {
		nodesOf, _ := podNodes(t, ns, "edge")
		got, _ := dss.Get(ctx, "edge", metav1.GetOptions{})
		return len(nodesOf) == 0 && got.Status.DesiredNumberScheduled == 0 && got.Status.CurrentNumberScheduled == 0, fmt.Sprint(nodesOf, got.Status)
	})
}
