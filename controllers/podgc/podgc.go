// Package podgc garbage-collects pods as kube-controller-manager's pod GC
// controller does, every GCCheckPeriod: terminated pods beyond
// TerminatedPodThreshold (oldest first, evicted ones before others),
// terminating pods on NotReady nodes tainted out-of-service, pods bound to
// nodes that no longer exist (after a quarantine, with a DisruptionTarget
// condition "PodGC: node no longer exists") and terminating pods that were
// never scheduled. Non-terminal pods are marked Failed before being force
// deleted.
package podgc

import (
	"context"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

var (
	// TerminatedPodThreshold is upstream's --terminated-pod-gc-threshold.
	TerminatedPodThreshold = 12500
	// GCCheckPeriod is how often pods are collected (upstream 20s).
	GCCheckPeriod = 20 * time.Second
	// QuarantineTime is how long a pod's node must stay missing (40s).
	QuarantineTime = 40 * time.Second
)

// Reconciler is the pod GC loop; it runs as a manager Runnable.
type Reconciler struct {
	Client client.Client
	// Reader reads without cache; the manager's API reader by default.
	Reader client.Reader
	// Now is the clock; time.Now by default.
	Now func() time.Time

	mu      sync.Mutex
	missing map[string]time.Time // node name -> first seen missing
}

// SetupWithManager adds the loop to the manager.
func (r *Reconciler) SetupWithManager(mgr manager.Manager) error {
	if r.Reader == nil {
		r.Reader = mgr.GetAPIReader()
	}
	// Cache pods and nodes now, so the first pass sees them.
	if _, err := mgr.GetCache().GetInformer(context.Background(), &corev1.Pod{}); err != nil {
		return err
	}
	if _, err := mgr.GetCache().GetInformer(context.Background(), &corev1.Node{}); err != nil {
		return err
	}
	return mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		if !mgr.GetCache().WaitForCacheSync(ctx) {
			return nil
		}
		t := time.NewTicker(GCCheckPeriod)
		defer t.Stop()
		for {
			r.GC(ctx)
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}))
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// GC runs one collection pass.
func (r *Reconciler) GC(ctx context.Context) {
	pods := &corev1.PodList{}
	nodes := &corev1.NodeList{}
	if err := r.Client.List(ctx, pods); err != nil {
		klog.FromContext(ctx).Error(err, "podgc: listing pods")
		return
	}
	if err := r.Client.List(ctx, nodes); err != nil {
		klog.FromContext(ctx).Error(err, "podgc: listing nodes")
		return
	}
	nodeByName := map[string]*corev1.Node{}
	for i := range nodes.Items {
		nodeByName[nodes.Items[i].Name] = &nodes.Items[i]
	}
	var terminated, toDelete []*corev1.Pod
	var orphaned []*corev1.Pod
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			terminated = append(terminated, p)
		}
		terminating := p.DeletionTimestamp != nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
		if terminating && p.Spec.NodeName != "" {
			if n := nodeByName[p.Spec.NodeName]; n != nil && !nodeReady(n) && outOfService(n) {
				toDelete = append(toDelete, p)
				continue
			}
		}
		if p.DeletionTimestamp != nil && p.Spec.NodeName == "" {
			toDelete = append(toDelete, p)
			continue
		}
		if p.Spec.NodeName != "" && nodeByName[p.Spec.NodeName] == nil {
			orphaned = append(orphaned, p)
		}
	}
	if n := len(terminated) - TerminatedPodThreshold; n > 0 && TerminatedPodThreshold > 0 {
		sort.Slice(terminated, func(i, j int) bool { return lessForGC(terminated[i], terminated[j]) })
		toDelete = append(toDelete, terminated[:n]...)
	}
	var wg sync.WaitGroup
	for _, p := range toDelete {
		wg.Add(1)
		go func(p *corev1.Pod) {
			defer wg.Done()
			_ = r.markFailedAndDelete(ctx, p, nil)
		}(p)
	}
	wg.Wait()
	for _, p := range r.confirmedOrphans(ctx, orphaned, nodeByName) {
		_ = r.markFailedAndDelete(ctx, p, &corev1.PodCondition{
			Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "DeletionByPodGC",
			Message: "PodGC: node no longer exists", LastTransitionTime: metav1.Now(),
		})
	}
}

// confirmedOrphans are the pods whose node has been missing for the
// quarantine time and is confirmed gone by a live read.
func (r *Reconciler) confirmedOrphans(ctx context.Context, pods []*corev1.Pod, nodes map[string]*corev1.Node) []*corev1.Pod {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.missing == nil {
		r.missing = map[string]time.Time{}
	}
	now := r.now()
	for name := range r.missing {
		if nodes[name] != nil {
			delete(r.missing, name)
		}
	}
	gone := map[string]bool{}
	var out []*corev1.Pod
	for _, p := range pods {
		name := p.Spec.NodeName
		first, ok := r.missing[name]
		if !ok {
			r.missing[name] = now
			continue
		}
		if now.Sub(first) < QuarantineTime {
			continue
		}
		g, checked := gone[name]
		if !checked {
			err := r.Reader.Get(ctx, client.ObjectKey{Name: name}, &corev1.Node{})
			g = apierrors.IsNotFound(err)
			gone[name] = g
		}
		if g {
			out = append(out, p)
		}
	}
	return out
}

func (r *Reconciler) markFailedAndDelete(ctx context.Context, p *corev1.Pod, cond *corev1.PodCondition) error {
	if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
		fresh := p.DeepCopy()
		fresh.Status.Phase = corev1.PodFailed
		if cond != nil {
			replaced := false
			for i := range fresh.Status.Conditions {
				if fresh.Status.Conditions[i].Type == cond.Type {
					fresh.Status.Conditions[i], replaced = *cond, true
				}
			}
			if !replaced {
				fresh.Status.Conditions = append(fresh.Status.Conditions, *cond)
			}
		}
		if err := r.Client.Status().Update(ctx, fresh); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	err := r.Client.Delete(ctx, p, client.GracePeriodSeconds(0), client.Preconditions{UID: &p.UID})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

func lessForGC(a, b *corev1.Pod) bool {
	ae, be := a.Status.Reason == "Evicted", b.Status.Reason == "Evicted"
	if ae != be {
		return ae
	}
	if a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.Name < b.Name
	}
	return a.CreationTimestamp.Before(&b.CreationTimestamp)
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func outOfService(n *corev1.Node) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == corev1.TaintNodeOutOfService {
			return true
		}
	}
	return false
}
