package fakenode

import (
	"context"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

// LeaseRenewInterval is how often a fake node renews its Lease in
// kube-node-lease, as the kubelet does (10s); the node lifecycle
// controller marks nodes whose Lease goes stale Unknown and taints them.
var LeaseRenewInterval = 10 * time.Second

// stoppedLeases holds the nodes whose Lease renewal was stopped.
var stoppedLeases sync.Map

// StopRenewing stops renewing the node's Lease, as a kubelet that died.
func (n *Node) StopRenewing() { stoppedLeases.Store(n.Name, true) }

// RenewLease creates the Lease of node name (owned by the Node) and
// renews it every LeaseRenewInterval until ctx ends or the node's
// renewals are stopped.
func (n *Node) renewLease(ctx context.Context) {
	stoppedLeases.Delete(n.Name)
	_ = KeepLease(ctx, n, func() bool { _, stopped := stoppedLeases.Load(n.Name); return stopped })
}

// KeepLease creates node's Lease and renews it until ctx ends or stop
// returns true.
func KeepLease(ctx context.Context, n *Node, stop func() bool) error {
	c := n.client
	_, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: corev1.NamespaceNodeLease}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	node, err := c.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	renew := func() error {
		return retry.RetryOnConflict(retry.DefaultRetry, func() error {
			leases := c.CoordinationV1().Leases(corev1.NamespaceNodeLease)
			l, err := leases.Get(ctx, n.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				name := n.Name
				_, err = leases.Create(ctx, &coordinationv1.Lease{
					ObjectMeta: metav1.ObjectMeta{Name: n.Name, Namespace: corev1.NamespaceNodeLease, OwnerReferences: []metav1.OwnerReference{{
						APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}}},
					Spec: coordinationv1.LeaseSpec{HolderIdentity: &name, LeaseDurationSeconds: ptrTo(int32(40)),
						RenewTime: &metav1.MicroTime{Time: time.Now()}},
				}, metav1.CreateOptions{})
				return err
			}
			if err != nil {
				return err
			}
			l.Spec.RenewTime = &metav1.MicroTime{Time: time.Now()}
			_, err = leases.Update(ctx, l, metav1.UpdateOptions{})
			return err
		})
	}
	if err := renew(); err != nil {
		return err
	}
	t := time.NewTicker(LeaseRenewInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if stop() {
				return nil
			}
			_ = renew()
		}
	}
}

// Terminate makes every container of a pod exit with code; the pod is
// then Succeeded (code 0) or Failed, as with restartPolicy Never.
func (n *Node) Terminate(ctx context.Context, ns, name string, code int32) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := n.client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		now := metav1.Now()
		reason := "Completed"
		p.Status.Phase = corev1.PodSucceeded
		if code != 0 {
			reason, p.Status.Phase = "Error", corev1.PodFailed
		}
		if len(p.Status.ContainerStatuses) == 0 {
			for _, c := range p.Spec.Containers {
				p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: c.Name, Image: c.Image})
			}
		}
		for i := range p.Status.ContainerStatuses {
			cs := &p.Status.ContainerStatuses[i]
			started := now
			if cs.State.Running != nil {
				started = cs.State.Running.StartedAt
			}
			cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: code, Reason: reason, StartedAt: started, FinishedAt: now, ContainerID: cs.ContainerID}}
			f := false
			cs.Ready, cs.Started = false, &f
		}
		for i := range p.Status.Conditions {
			if t := p.Status.Conditions[i].Type; t == corev1.PodReady || t == corev1.ContainersReady {
				p.Status.Conditions[i].Status, p.Status.Conditions[i].Reason, p.Status.Conditions[i].LastTransitionTime = corev1.ConditionFalse, "PodCompleted", now
			}
		}
		_, err = n.client.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{})
		return err
	})
}

func ptrTo[T any](v T) *T { return &v }

// KeepAlive renews the Lease of node name until ctx ends, for tests that
// register Node objects without running an agent (so the node lifecycle
// controller keeps them Ready).
func KeepAlive(ctx context.Context, c kubernetes.Interface, name string) {
	go func() { _ = KeepLease(ctx, &Node{Name: name, client: c}, func() bool { return false }) }()
}
