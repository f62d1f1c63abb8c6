package controllers

import (
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func listPods(t *testing.T, ns, selector string) []corev1.Pod {
	t.Helper()
	l, err := srv.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	return l.Items
}

func activePods(pods []corev1.Pod) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

// rsStatus waits until the ReplicaSet reports want.
func waitRSStatus(t *testing.T, ns, name string, want appsv1.ReplicaSetStatus) *appsv1.ReplicaSet {
	t.Helper()
	var rs *appsv1.ReplicaSet
	eventually(t, "replicaset status", func() (bool, string) {
		var err error
		rs, err = srv.Client.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		s := rs.Status
		got := fmt.Sprintf("replicas=%d labeled=%d ready=%d available=%d observed=%d/%d", s.Replicas, s.FullyLabeledReplicas, s.ReadyReplicas, s.AvailableReplicas, s.ObservedGeneration, rs.Generation)
		return s.Replicas == want.Replicas && s.FullyLabeledReplicas == want.FullyLabeledReplicas && s.ReadyReplicas == want.ReadyReplicas &&
			s.AvailableReplicas == want.AvailableReplicas && s.ObservedGeneration == rs.Generation, got
	})
	return rs
}

func TestReplicaSetCreatesPodsAndReportsStatus(t *testing.T) {
	ns := newNamespace(t)
	rs, err := srv.Client.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr(int32(3)),
			Selector: &metav1.LabelSelector{MatchLabels: labels("web")},
			Template: podTemplate("web", "nginx:1.27"),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitRSStatus(t, ns, "web", appsv1.ReplicaSetStatus{Replicas: 3, FullyLabeledReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3})
	pods := activePods(listPods(t, ns, "app=web"))
	if len(pods) != 3 {
		t.Fatalf("%d pods, want 3", len(pods))
	}
	for _, p := range pods {
		if !strings.HasPrefix(p.Name, "web-") || p.GenerateName != "web-" {
			t.Errorf("pod name %q generateName %q", p.Name, p.GenerateName)
		}
		ref := metav1.GetControllerOf(&p)
		if ref == nil || ref.Kind != "ReplicaSet" || ref.APIVersion != "apps/v1" || ref.Name != "web" || ref.UID != rs.UID ||
			ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
			t.Errorf("pod %s controller ref %+v", p.Name, ref)
		}
		if p.Labels["app"] != "web" {
			t.Errorf("pod labels %v", p.Labels)
		}
	}
	rs = waitRSStatus(t, ns, "web", appsv1.ReplicaSetStatus{Replicas: 3, FullyLabeledReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3})
	if rs.Status.TerminatingReplicas == nil || *rs.Status.TerminatingReplicas != 0 {
		t.Errorf("terminatingReplicas = %v, want 0", rs.Status.TerminatingReplicas)
	}

	// A deleted pod is replaced.
	if err := srv.Client.CoreV1().Pods(ns).Delete(ctx, pods[0].Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "replacement pod", func() (bool, string) {
		ps := activePods(listPods(t, ns, "app=web"))
		for _, p := range ps {
			if p.Name == pods[0].Name {
				return false, "old pod still there"
			}
		}
		return len(ps) == 3, fmt.Sprintf("%d pods", len(ps))
	})

	// Scale down through the scale subresource.
	if _, err := srv.Client.AppsV1().ReplicaSets(ns).UpdateScale(ctx, "web", autoscalingScale{ns: ns, name: "web", replicas: 1}.obj(), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRSStatus(t, ns, "web", appsv1.ReplicaSetStatus{Replicas: 1, FullyLabeledReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1})
	eventually(t, "pods deleted", func() (bool, string) {
		n := len(listPods(t, ns, "app=web"))
		return n == 1, fmt.Sprintf("%d pods", n)
	})
}

func TestReplicaSetAdoptsAndReleases(t *testing.T) {
	ns := newNamespace(t)
	orphan, err := srv.Client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "orphan", Labels: labels("adopt")},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := srv.Client.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "adopter"},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr(int32(2)),
			Selector: &metav1.LabelSelector{MatchLabels: labels("adopt")},
			Template: podTemplate("adopt", "nginx"),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitRSStatus(t, ns, "adopter", appsv1.ReplicaSetStatus{Replicas: 2, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2})
	p, err := srv.Client.CoreV1().Pods(ns).Get(ctx, orphan.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ref := metav1.GetControllerOf(p); ref == nil || ref.UID != rs.UID {
		t.Fatalf("orphan not adopted: %+v", p.OwnerReferences)
	}
	if n := len(activePods(listPods(t, ns, "app=adopt"))); n != 2 {
		t.Fatalf("%d pods, want 2 (the orphan counts)", n)
	}
	// Relabelling releases the pod and a new one takes its place.
	patch := []byte(`{"metadata":{"labels":{"app":"gone"}}}`)
	if _, err := srv.Client.CoreV1().Pods(ns).Patch(ctx, orphan.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "released", func() (bool, string) {
		p, err := srv.Client.CoreV1().Pods(ns).Get(ctx, orphan.Name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return len(p.OwnerReferences) == 0, fmt.Sprintf("%+v", p.OwnerReferences)
	})
	waitRSStatus(t, ns, "adopter", appsv1.ReplicaSetStatus{Replicas: 2, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2})
}
