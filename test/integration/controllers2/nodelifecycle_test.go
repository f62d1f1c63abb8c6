package controllers2

import (
	"context"
	"fmt"
	"k8s.io/client-go/util/retry"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// startNode registers a Ready node whose Lease is renewed until the
// returned function is called (the kubelet dies).
func startNode(t *testing.T, name string) (kill func()) {
	t.Helper()
	c := srv.Client.CoreV1()
	if _, err := c.Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The node lifecycle controller may update the new node first (as a
	// kubelet also races it upstream): retry the status write on conflict.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		n, err := c.Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		now := metav1.Now()
		n.Status.Conditions = []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", LastHeartbeatTime: now, LastTransitionTime: now},
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", LastHeartbeatTime: now, LastTransitionTime: now},
		}
		_, err = c.Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: corev1.NamespaceNodeLease}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	leases := srv.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	l, err := leases.Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &name, LeaseDurationSeconds: ptr(int32(40)), RenewTime: &metav1.MicroTime{Time: time.Now()}}},
		metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-lctx.Done():
				return
			case <-time.After(300 * time.Millisecond):
			}
			l.Spec.RenewTime = &metav1.MicroTime{Time: time.Now()}
			if u, err := leases.Update(lctx, l, metav1.UpdateOptions{}); err == nil {
				l = u
			} else if cur, err := leases.Get(lctx, name, metav1.GetOptions{}); err == nil {
				l = cur
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = c.Nodes().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	return func() { cancel(); <-done }
}

// runPod creates a pod bound to nodeName and reports it Running and Ready.
func runPod(t *testing.T, ns, name, nodeName string, tolerations []corev1.Toleration) {
	t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{NodeName: nodeName, Tolerations: tolerations,
		Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}
	p, err := srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP, p.Status.PodIPs = "10.99.0.1", []corev1.PodIP{{IP: "10.99.0.1"}}
	p.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
	}
	if _, err := srv.Client.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func podCondition(p *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

func TestNodeLeaseExpiryTaintsAndEvicts(t *testing.T) {
	ns := newNamespace(t)
	kill := startNode(t, "dying")
	nodes := srv.Client.CoreV1().Nodes()
	// A Ready node loses the not-ready:NoSchedule taint it was created with.
	eventually(t, 20*time.Second, func() error {
		n, err := nodes.Get(ctx, "dying", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if len(n.Spec.Taints) != 0 {
			return fmt.Errorf("ready node taints %+v", n.Spec.Taints)
		}
		return nil
	})
	runPod(t, ns, "short", "dying", []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists,
		Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(1))}})
	runPod(t, ns, "forever", "dying", []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists,
		Effect: corev1.TaintEffectNoExecute}})

	kill()
	eventually(t, 30*time.Second, func() error {
		n, err := nodes.Get(ctx, "dying", metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, c := range n.Status.Conditions {
			reason, msg := "NodeStatusUnknown", "Kubelet stopped posting node status."
			if c.Type == corev1.NodeDiskPressure || c.Type == corev1.NodePIDPressure {
				reason, msg = "NodeStatusNeverUpdated", "Kubelet never posted node status."
			}
			if c.Status != corev1.ConditionUnknown || c.Reason != reason || c.Message != msg {
				return fmt.Errorf("condition %+v", c)
			}
		}
		// The pressure conditions the kubelet never posted are added as never updated.
		if len(n.Status.Conditions) != 4 {
			return fmt.Errorf("conditions %+v", n.Status.Conditions)
		}
		got := map[string]bool{}
		for _, tt := range n.Spec.Taints {
			if tt.TimeAdded == nil {
				return fmt.Errorf("taint without timeAdded %+v", tt)
			}
			got[tt.Key+":"+string(tt.Effect)] = true
		}
		if len(got) != 2 || !got["node.kubernetes.io/unreachable:NoSchedule"] || !got["node.kubernetes.io/unreachable:NoExecute"] {
			return fmt.Errorf("taints %+v", n.Spec.Taints)
		}
		return nil
	})
	// The pod that tolerates the taint for a second is evicted; the one
	// that tolerates it forever stays, marked not ready.
	eventually(t, 30*time.Second, func() error {
		p, err := srv.Client.CoreV1().Pods(ns).Get(ctx, "short", metav1.GetOptions{})
		if err != nil {
			return err
		}
		c := podCondition(p, corev1.DisruptionTarget)
		if p.DeletionTimestamp == nil || c == nil || c.Status != corev1.ConditionTrue || c.Reason != "DeletionByTaintManager" ||
			c.Message != "Taint manager: deleting due to NoExecute taint" {
			return fmt.Errorf("short pod not evicted: deletion %v conditions %+v", p.DeletionTimestamp, p.Status.Conditions)
		}
		return nil
	})
	p, err := srv.Client.CoreV1().Pods(ns).Get(ctx, "forever", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.DeletionTimestamp != nil {
		t.Errorf("pod tolerating the taint forever was evicted")
	}
	if c := podCondition(p, corev1.PodReady); c == nil || c.Status != corev1.ConditionFalse {
		t.Errorf("pod on an unreachable node still ready: %+v", p.Status.Conditions)
	}

	// Deleting the node lets pod GC remove its pods for good.
	if err := nodes.Delete(ctx, "dying", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		list, err := srv.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		if len(list.Items) != 0 {
			return fmt.Errorf("%d pods left on the deleted node", len(list.Items))
		}
		return nil
	})
}
