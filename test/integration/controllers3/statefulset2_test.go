package controllers3

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// OnDelete: a template change touches no pod until the pod is deleted;
// whenDeleted=Delete: the claims go with the StatefulSet.
func TestStatefulSetOnDeleteAndClaimRetention(t *testing.T) {
	ns := newNamespace(t)
	sets := srv.Client.AppsV1().StatefulSets(ns)
	pods := srv.Client.CoreV1().Pods(ns)
	claims := srv.Client.CoreV1().PersistentVolumeClaims(ns)
	set := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec: appsv1.StatefulSetSpec{
			Replicas:       ptr(int32(2)),
			Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			Template:       podTemplate("db", "postgres:16"),
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "pgdata", Labels: map[string]string{"tier": "storage"}},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
				},
			}},
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
				WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
			},
		},
	}
	created, err := sets.Create(ctx, set, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "2 ready", func() (bool, string) {
		s, _ := sets.Get(ctx, "db", metav1.GetOptions{})
		return s.Status.ReadyReplicas == 2, fmt.Sprintf("%+v", s.Status)
	})
	for i := 0; i < 2; i++ {
		c, err := claims.Get(ctx, fmt.Sprintf("pgdata-db-%d", i), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Labels["tier"] != "storage" || c.Labels["app"] != "db" {
			t.Errorf("claim labels %v", c.Labels)
		}
		if len(c.OwnerReferences) != 1 || c.OwnerReferences[0].UID != created.UID || c.OwnerReferences[0].Kind != "StatefulSet" {
			t.Errorf("claim owners %+v", c.OwnerReferences)
		}
	}
	// kubectl rollout status refuses OnDelete, as upstream.
	if _, errOut, err := kubectl(t, "-n", ns, "rollout", "status", "sts/db", "--timeout=5s"); err == nil {
		t.Error("rollout status of an OnDelete StatefulSet succeeded")
	} else {
		contains(t, "rollout status OnDelete", errOut, "rollout status is only available for RollingUpdate strategy type")
	}

	ok(t, "-n", ns, "set", "image", "sts/db", "c=postgres:17")
	eventually(t, "update revision observed", func() (bool, string) {
		s, _ := sets.Get(ctx, "db", metav1.GetOptions{})
		return s.Status.ObservedGeneration == s.Generation && s.Status.UpdateRevision != s.Status.CurrentRevision && s.Status.UpdatedReplicas == 0 && s.Status.CurrentReplicas == 2, fmt.Sprintf("%+v", s.Status)
	})
	for i := 0; i < 2; i++ {
		p, _ := pods.Get(ctx, fmt.Sprintf("db-%d", i), metav1.GetOptions{})
		if p.Spec.Containers[0].Image != "postgres:16" {
			t.Errorf("OnDelete updated %s", p.Name)
		}
	}
	if err := pods.Delete(ctx, "db-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "db-1 recreated at the new revision", func() (bool, string) {
		p, err := pods.Get(ctx, "db-1", metav1.GetOptions{})
		s, _ := sets.Get(ctx, "db", metav1.GetOptions{})
		return err == nil && p.DeletionTimestamp == nil && p.Spec.Containers[0].Image == "postgres:17" && s.Status.UpdatedReplicas == 1 && s.Status.ReadyReplicas == 2, fmt.Sprintf("%v %+v", err, s.Status)
	})
	if p, _ := pods.Get(ctx, "db-0", metav1.GetOptions{}); p.Spec.Containers[0].Image != "postgres:16" {
		t.Error("db-0 changed")
	}

	// Deleting the set takes its pods and, by the policy, its claims.
	if err := sets.Delete(ctx, "db", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "claims deleted with the set", func() (bool, string) {
		for i := 0; i < 2; i++ {
			c, err := claims.Get(ctx, fmt.Sprintf("pgdata-db-%d", i), metav1.GetOptions{})
			if err == nil && c.DeletionTimestamp == nil {
				return false, c.Name + " still there"
			}
			if err != nil && !apierrors.IsNotFound(err) {
				return false, err.Error()
			}
		}
		return true, ""
	})
}
