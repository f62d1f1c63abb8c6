package controllers3

import (
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

func TestStatefulSetOrderedScaleAndPartitionedUpdate(t *testing.T) {
	ns := newNamespace(t)
	sets := srv.Client.AppsV1().StatefulSets(ns)
	pods := srv.Client.CoreV1().Pods(ns)

	w, err := pods.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	set := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr(int32(3)),
			ServiceName: "web",
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template:    podTemplate("web", "nginx:1"),
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
				},
			}},
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
				WhenScaled:  appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
			},
		},
	}
	if _, err := sets.Create(ctx, set, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// Pods are created one by one, in ordinal order, each only once the
	// previous one is Running and Ready.
	var order []string
	ready := map[string]bool{}
	for len(order) < 3 {
		ev, open := <-w.ResultChan()
		if !open {
			t.Fatal("watch closed")
		}
		p, isPod := ev.Object.(*corev1.Pod)
		if !isPod {
			continue
		}
		if ev.Type == watch.Added {
			for _, prev := range order {
				if !ready[prev] {
					t.Fatalf("%s created before %s was ready", p.Name, prev)
				}
			}
			order = append(order, p.Name)
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				ready[p.Name] = true
			}
		}
	}
	if strings.Join(order, ",") != "web-0,web-1,web-2" {
		t.Fatalf("creation order %v", order)
	}

	eventually(t, "3 ready replicas", func() (bool, string) {
		s, err := sets.Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		st := s.Status
		return st.ReadyReplicas == 3 && st.Replicas == 3 && st.CurrentReplicas == 3 && st.UpdatedReplicas == 3 && st.AvailableReplicas == 3 &&
			st.ObservedGeneration == s.Generation && st.CurrentRevision != "" && st.CurrentRevision == st.UpdateRevision, fmt.Sprintf("%+v", st)
	})
	s, _ := sets.Get(ctx, "web", metav1.GetOptions{})
	rev1 := s.Status.CurrentRevision

	// Identity: labels, hostname, subdomain and claims.
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("web-%d", i)
		p, err := pods.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Labels[appsv1.StatefulSetPodNameLabel] != name || p.Labels[appsv1.PodIndexLabel] != fmt.Sprint(i) || p.Labels[appsv1.ControllerRevisionHashLabelKey] != rev1 {
			t.Errorf("%s labels %v", name, p.Labels)
		}
		if p.Spec.Hostname != name || p.Spec.Subdomain != "web" {
			t.Errorf("%s hostname %q subdomain %q", name, p.Spec.Hostname, p.Spec.Subdomain)
		}
		claim := fmt.Sprintf("data-web-%d", i)
		found := false
		for _, v := range p.Spec.Volumes {
			if v.Name == "data" && v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claim {
				found = true
			}
		}
		if !found {
			t.Errorf("%s volumes %+v", name, p.Spec.Volumes)
		}
		pvc, err := srv.Client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, claim, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("claim %s: %v", claim, err)
		}
		if pvc.Labels["app"] != "web" || len(pvc.OwnerReferences) != 0 {
			t.Errorf("claim %s labels %v owners %v", claim, pvc.Labels, pvc.OwnerReferences)
		}
	}
	revs, err := srv.Client.AppsV1().ControllerRevisions(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(revs.Items) != 1 || revs.Items[0].Name != rev1 || revs.Items[0].Revision != 1 {
		t.Fatalf("revisions %v %+v", err, revs)
	}

	// kubectl get shows the controller's status.
	contains(t, "get sts", ok(t, "-n", ns, "get", "sts", "web"), "3/3")

	// Scale down removes the highest ordinal; whenScaled=Delete hands its
	// claim to the pod, so it goes with it.
	contains(t, "scale", ok(t, "-n", ns, "scale", "sts/web", "--replicas=2"), "statefulset.apps/web scaled")
	eventually(t, "web-2 gone", func() (bool, string) {
		_, err := pods.Get(ctx, "web-2", metav1.GetOptions{})
		s, _ := sets.Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err) && s.Status.Replicas == 2 && s.Status.ReadyReplicas == 2, fmt.Sprint(err)
	})
	for _, name := range []string{"web-0", "web-1"} {
		if _, err := pods.Get(ctx, name, metav1.GetOptions{}); err != nil {
			t.Errorf("%s after scale down: %v", name, err)
		}
	}
	eventually(t, "claim data-web-2 deleted with its pod", func() (bool, string) {
		pvc, err := srv.Client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data-web-2", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, ""
		}
		if err != nil {
			return false, err.Error()
		}
		return pvc.DeletionTimestamp != nil, fmt.Sprintf("owners %v", pvc.OwnerReferences)
	})

	// Partitioned rolling update: only ordinals >= partition move.
	s, _ = sets.Get(ctx, "web", metav1.GetOptions{})
	s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType,
		RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr(int32(1))}}
	s.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	if _, err := sets.Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	out := ok(t, "-n", ns, "rollout", "status", "sts/web", "--timeout=60s")
	contains(t, "partitioned rollout status", out, "partitioned roll out complete: 1 new pods have been updated")
	s, _ = sets.Get(ctx, "web", metav1.GetOptions{})
	rev2 := s.Status.UpdateRevision
	if rev2 == rev1 || s.Status.CurrentRevision != rev1 || s.Status.UpdatedReplicas != 1 || s.Status.CurrentReplicas != 1 {
		t.Fatalf("status after partitioned update %+v", s.Status)
	}
	p0, _ := pods.Get(ctx, "web-0", metav1.GetOptions{})
	p1, _ := pods.Get(ctx, "web-1", metav1.GetOptions{})
	if p0.Spec.Containers[0].Image != "nginx:1" || p0.Labels[appsv1.ControllerRevisionHashLabelKey] != rev1 {
		t.Errorf("web-0 below the partition changed: %s %v", p0.Spec.Containers[0].Image, p0.Labels)
	}
	if p1.Spec.Containers[0].Image != "nginx:2" || p1.Labels[appsv1.ControllerRevisionHashLabelKey] != rev2 {
		t.Errorf("web-1 not updated: %s %v", p1.Spec.Containers[0].Image, p1.Labels)
	}

	// Lifting the partition finishes the update.
	ok(t, "-n", ns, "patch", "sts/web", "-p", `{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}`)
	out = ok(t, "-n", ns, "rollout", "status", "sts/web", "--timeout=60s")
	contains(t, "rollout status", out, "partitioned roll out complete: 2 new pods have been updated")
	eventually(t, "current revision", func() (bool, string) {
		s, _ := sets.Get(ctx, "web", metav1.GetOptions{})
		return s.Status.CurrentRevision == rev2 && s.Status.CurrentReplicas == 2 && s.Status.UpdatedReplicas == 2, fmt.Sprintf("%+v", s.Status)
	})
	out = ok(t, "-n", ns, "rollout", "history", "sts/web")
	contains(t, "history", out, "REVISION", "1 ", "2 ")

	// Undo goes back to the first template.
	contains(t, "undo", ok(t, "-n", ns, "rollout", "undo", "sts/web"), "statefulset.apps/web rolled back")
	ok(t, "-n", ns, "rollout", "status", "sts/web", "--timeout=60s")
	eventually(t, "rolled back pods", func() (bool, string) {
		list, err := pods.List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		n := 0
		for _, p := range list.Items {
			if p.DeletionTimestamp == nil && p.Spec.Containers[0].Image == "nginx:1" && p.Labels[appsv1.ControllerRevisionHashLabelKey] == rev1 {
				n++
			}
		}
		return n == 2, fmt.Sprintf("%d pods at nginx:1", n)
	})
}

func TestStatefulSetParallel(t *testing.T) {
	ns := newNamespace(t)
	sets := srv.Client.AppsV1().StatefulSets(ns)
	set := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "par"},
		Spec: appsv1.StatefulSetSpec{
			Replicas:            ptr(int32(4)),
			PodManagementPolicy: appsv1.ParallelPodManagement,
			Selector:            &metav1.LabelSelector{MatchLabels: map[string]string{"app": "par"}},
			Template:            podTemplate("par", "nginx"),
			Ordinals:            &appsv1.StatefulSetOrdinals{Start: 5},
		},
	}
	if _, err := sets.Create(ctx, set, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "4 ready", func() (bool, string) {
		s, _ := sets.Get(ctx, "par", metav1.GetOptions{})
		return s.Status.ReadyReplicas == 4, fmt.Sprintf("%+v", s.Status)
	})
	for i := 5; i < 9; i++ {
		if _, err := srv.Client.CoreV1().Pods(ns).Get(ctx, fmt.Sprintf("par-%d", i), metav1.GetOptions{}); err != nil {
			t.Errorf("par-%d: %v", i, err)
		}
	}
	// A deleted pod comes back with the same name.
	if err := srv.Client.CoreV1().Pods(ns).Delete(ctx, "par-6", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "par-6 recreated", func() (bool, string) {
		s, _ := sets.Get(ctx, "par", metav1.GetOptions{})
		p, err := srv.Client.CoreV1().Pods(ns).Get(ctx, "par-6", metav1.GetOptions{})
		return err == nil && p.DeletionTimestamp == nil && s.Status.ReadyReplicas == 4, fmt.Sprint(err)
	})
}
