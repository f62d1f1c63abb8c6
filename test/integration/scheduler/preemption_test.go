package scheduler

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/test/fakenode"
)

func priorityClass(t *testing.T, name string, value int32) {
	t.Helper()
	_, err := srv.Client.SchedulingV1().PriorityClasses().Create(ctx, &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.SchedulingV1().PriorityClasses().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
}

// TestPreemption runs a fake kubelet on the node, so the victim's graceful
// deletion completes as it would on a real node.
func TestPreemption(t *testing.T) {
	ns := namespace(t)
	nctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if _, err := fakenode.Start(nctx, srv.Client, "preempt-node"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.CoreV1().Nodes().Delete(context.Background(), "preempt-node", metav1.DeleteOptions{})
	})
	priorityClass(t, "sched-test-low", 100)
	priorityClass(t, "sched-test-high", 1000)
	mk := func(name, class string) *corev1.Pod {
		p := pod(name, "40", "")
		p.Spec.NodeSelector = map[string]string{corev1.LabelHostname: "preempt-node"}
		p.Spec.PriorityClassName = class
		return p
	}
	victim := create(t, ns, mk("victim", "sched-test-low"))
	scheduled(t, ns, "victim")
	// An equal-priority pod cannot preempt.
	create(t, ns, mk("peer", "sched-test-low"))
	msg := unschedulable(t, ns, "peer", "Insufficient cpu")
	if !strings.Contains(msg, "preemption: 0/") || !strings.Contains(msg, "No preemption victims found for incoming pod") {
		t.Errorf("peer's message %q lacks the preemption outcome", msg)
	}
	zero := int64(0)
	if err := srv.Client.CoreV1().Pods(ns).Delete(ctx, "peer", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	create(t, ns, mk("preemptor", "sched-test-high"))
	if n := scheduled(t, ns, "preemptor"); n != "preempt-node" {
		t.Fatalf("preemptor went to %s", n)
	}
	eventually(t, "victim gone", func() (bool, string) {
		p, err := srv.Client.CoreV1().Pods(ns).Get(ctx, "victim", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, ""
		}
		if err != nil {
			return false, err.Error()
		}
		return p.UID != victim.UID, "victim still exists"
	})
	hasEvent(t, ns, "victim", "Normal Preempted default-scheduler: Preempted by pod "+string(getUID(t, ns, "preemptor"))+" on node preempt-node")
	hasEvent(t, ns, "preemptor", "Warning FailedScheduling default-scheduler: 0/")
	hasEvent(t, ns, "preemptor", "Normal Scheduled default-scheduler: Successfully assigned "+ns+"/preemptor to preempt-node")
}

func getUID(t *testing.T, ns, name string) string {
	t.Helper()
	p, err := srv.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return string(p.UID)
}

func TestPreemptionNotHelpful(t *testing.T) {
	ns := namespace(t)
	addNode(t, "nohelp-1", nodeSpec{labels: map[string]string{"test-group": "nohelp"}, taints: []corev1.Taint{{Key: "k", Value: "v", Effect: corev1.TaintEffectNoSchedule}}})
	create(t, ns, pinned(pod("p", "", ""), "nohelp"))
	msg := unschedulable(t, ns, "p", "Preemption is not helpful for scheduling")
	if !strings.Contains(msg, "1 node(s) had untolerated taint(s). preemption: 0/") {
		t.Errorf("message %q", msg)
	}
}

func TestSchedulingGates(t *testing.T) {
	ns := namespace(t)
	addNode(t, "gates-1", nodeSpec{labels: map[string]string{"test-group": "gates"}})
	p := pinned(pod("gated", "", ""), "gates")
	p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/wait"}, {Name: "example.com/other"}}
	create(t, ns, p)
	eventually(t, "SchedulingGated condition", func() (bool, string) {
		got, err := srv.Client.CoreV1().Pods(ns).Get(ctx, "gated", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, c := range got.Status.Conditions {
			if c.Type == corev1.PodScheduled {
				return c.Reason == corev1.PodReasonSchedulingGated && c.Message == "Scheduling is blocked due to non-empty scheduling gates", c.Reason + ": " + c.Message
			}
		}
		return false, "no condition"
	})
	// Removing one gate is not enough.
	setGates := func(gates []corev1.PodSchedulingGate) {
		got, err := srv.Client.CoreV1().Pods(ns).Get(ctx, "gated", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got.Spec.SchedulingGates = gates
		if _, err := srv.Client.CoreV1().Pods(ns).Update(ctx, got, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	setGates([]corev1.PodSchedulingGate{{Name: "example.com/other"}})
	got, _ := srv.Client.CoreV1().Pods(ns).Get(ctx, "gated", metav1.GetOptions{})
	if got.Spec.NodeName != "" {
		t.Fatalf("gated pod was bound to %s", got.Spec.NodeName)
	}
	if evs := events(t, ns, "gated"); len(evs) != 0 {
		t.Errorf("a gated pod should have no scheduling events, got %v", evs)
	}
	setGates(nil)
	if n := scheduled(t, ns, "gated"); n != "gates-1" {
		t.Fatalf("went to %s", n)
	}
}
