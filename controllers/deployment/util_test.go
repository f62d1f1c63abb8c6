package deployment

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func rolling(replicas int32, surge, unavail intstr.IntOrString) *appsv1.Deployment {
	return &appsv1.Deployment{Spec: appsv1.DeploymentSpec{
		Replicas: &replicas,
		Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavail}},
	}}
}

func TestFenceposts(t *testing.T) {
	for _, tc := range []struct {
		d            *appsv1.Deployment
		surge, unavl int32
	}{
		{rolling(10, intstr.FromString("25%"), intstr.FromString("25%")), 3, 2},
		{rolling(1, intstr.FromString("25%"), intstr.FromString("25%")), 1, 0},
		{rolling(3, intstr.FromInt32(0), intstr.FromInt32(0)), 0, 1},
		{rolling(2, intstr.FromInt32(0), intstr.FromInt32(5)), 0, 2},
		{rolling(0, intstr.FromInt32(1), intstr.FromInt32(1)), 1, 0},
	} {
		if s, u := maxSurge(tc.d), maxUnavailable(tc.d); s != tc.surge || u != tc.unavl {
			t.Errorf("replicas %d: surge %d unavailable %d, want %d %d", *tc.d.Spec.Replicas, s, u, tc.surge, tc.unavl)
		}
	}
}

func rs(name string, replicas int32, created int64, annotations map[string]string) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: annotations, CreationTimestamp: metav1.Unix(created, 0)},
		Spec:       appsv1.ReplicaSetSpec{Replicas: &replicas},
	}
}

func TestProportion(t *testing.T) {
	d := rolling(20, intstr.FromInt32(3), intstr.FromInt32(2))
	old := rs("old", 8, 1, map[string]string{MaxReplicasAnnotation: "13"})
	newer := rs("new", 5, 2, map[string]string{MaxReplicasAnnotation: "13"})
	if p := proportion(old, d, 10, 0); p != 6 {
		t.Errorf("old proportion %d, want 6", p)
	}
	if p := proportion(newer, d, 10, 6); p != 4 {
		t.Errorf("new proportion %d, want 4", p)
	}
	zero := rolling(0, intstr.FromInt32(3), intstr.FromInt32(2))
	if p := proportion(old, zero, -13, 0); p != -8 {
		t.Errorf("scale to zero proportion %d, want -8", p)
	}
}

func TestNewRSNewReplicas(t *testing.T) {
	d := rolling(10, intstr.FromInt32(3), intstr.FromInt32(2))
	old := rs("old", 10, 1, nil)
	n := rs("new", 0, 2, nil)
	got, err := newRSNewReplicas(d, []*appsv1.ReplicaSet{old, n}, n)
	if err != nil || got != 3 {
		t.Errorf("rolling: %d %v, want 3", got, err)
	}
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	if got, _ := newRSNewReplicas(d, []*appsv1.ReplicaSet{old, n}, n); got != 10 {
		t.Errorf("recreate: %d, want 10", got)
	}
}

func TestSetNewReplicaSetAnnotationsRollback(t *testing.T) {
	d := rolling(2, intstr.FromInt32(1), intstr.FromInt32(0))
	d.Annotations = map[string]string{"kubernetes.io/change-cause": "why", corev1.LastAppliedConfigAnnotation: "{}"}
	r := rs("r", 2, 1, map[string]string{RevisionAnnotation: "1"})
	if !setNewReplicaSetAnnotations(d, r, "3", true) {
		t.Fatal("no change reported")
	}
	if r.Annotations[RevisionAnnotation] != "3" || r.Annotations[RevisionHistoryAnnotation] != "1" || r.Annotations["kubernetes.io/change-cause"] != "why" {
		t.Errorf("annotations %v", r.Annotations)
	}
	if _, ok := r.Annotations[corev1.LastAppliedConfigAnnotation]; ok {
		t.Error("last-applied copied")
	}
	setNewReplicaSetAnnotations(d, r, "5", true)
	if r.Annotations[RevisionHistoryAnnotation] != "1,3" {
		t.Errorf("history %q", r.Annotations[RevisionHistoryAnnotation])
	}
}

func TestConditions(t *testing.T) {
	s := &appsv1.DeploymentStatus{}
	first := newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, NewReplicaSetReason, "a")
	first.LastTransitionTime = metav1.NewTime(time.Unix(100, 0))
	setCondition(s, first)
	setCondition(s, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReplicaSetUpdatedReason, "b"))
	c := getCondition(*s, appsv1.DeploymentProgressing)
	if c.Reason != ReplicaSetUpdatedReason || !c.LastTransitionTime.Equal(&first.LastTransitionTime) {
		t.Errorf("same status keeps the transition time: %+v", c)
	}
	setCondition(s, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, TimedOutReason, "c"))
	if c := getCondition(*s, appsv1.DeploymentProgressing); c.LastTransitionTime.Equal(&first.LastTransitionTime) || len(s.Conditions) != 1 {
		t.Errorf("status change: %+v", s.Conditions)
	}
}

func TestFindActiveOrLatest(t *testing.T) {
	a, b := rs("a", 0, 1, nil), rs("b", 0, 2, nil)
	if got := findActiveOrLatest(nil, []*appsv1.ReplicaSet{a, b}); got != b {
		t.Errorf("latest: %v", got.Name)
	}
	a.Spec.Replicas = ptrTo(int32(1))
	if got := findActiveOrLatest(nil, []*appsv1.ReplicaSet{a, b}); got != a {
		t.Errorf("active: %v", got.Name)
	}
	b.Spec.Replicas = ptrTo(int32(1))
	if got := findActiveOrLatest(nil, []*appsv1.ReplicaSet{a, b}); got != nil {
		t.Errorf("two active: %v", got.Name)
	}
}

func ptrTo[T any](v T) *T { return &v }
