package replicaset

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSlowStartBatch(t *testing.T) {
	var calls atomic.Int32
	ok, err := SlowStartBatch(10, 1, func() error { calls.Add(1); return nil })
	if ok != 10 || err != nil || calls.Load() != 10 {
		t.Fatalf("all succeed: %d %v %d", ok, err, calls.Load())
	}
	// Batches 1, 2, 4: the third batch fails and no more are tried.
	calls.Store(0)
	ok, err = SlowStartBatch(10, 1, func() error {
		if calls.Add(1) > 3 {
			return errors.New("quota")
		}
		return nil
	})
	if ok != 3 || err == nil || calls.Load() != 7 {
		t.Fatalf("failing: %d %v %d", ok, err, calls.Load())
	}
}

func TestCalculateStatus(t *testing.T) {
	three := int32(3)
	rs := &appsv1.ReplicaSet{Spec: appsv1.ReplicaSetSpec{Replicas: &three, Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "1", "b": "2"}}}}}
	ready := []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	pods := []*corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "1", "b": "2"}}, Status: corev1.PodStatus{Conditions: ready}},
		{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "1"}}},
	}
	s := CalculateStatus(rs, pods, nil, errors.New("boom"), time.Now())
	if s.Replicas != 2 || s.FullyLabeledReplicas != 1 || s.ReadyReplicas != 1 || s.AvailableReplicas != 1 || *s.TerminatingReplicas != 0 {
		t.Errorf("status %+v", s)
	}
	if len(s.Conditions) != 1 || s.Conditions[0].Type != appsv1.ReplicaSetReplicaFailure || s.Conditions[0].Reason != "FailedCreate" || s.Conditions[0].Message != "boom" {
		t.Errorf("conditions %+v", s.Conditions)
	}
	rs.Status = s
	if s := CalculateStatus(rs, pods, nil, nil, time.Now()); len(s.Conditions) != 0 {
		t.Errorf("failure condition kept: %+v", s.Conditions)
	}
}
