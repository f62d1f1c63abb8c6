// Package nodelifecycle watches node health as kube-controller-manager's
// node lifecycle and taint-eviction controllers do: a node whose Lease
// (and Ready heartbeat) is older than NodeMonitorGracePeriod gets its
// conditions set to Unknown ("Kubelet stopped posting node status."); node
// conditions become NoSchedule taints (not-ready, unreachable,
// memory/disk/pid-pressure, network-unavailable, unschedulable) and a
// not-ready or unreachable node gets the matching NoExecute taint; the
// pods of a not-ready node are marked not ready; and pods that do not
// tolerate a NoExecute taint are deleted (at once, or after their
// tolerationSeconds) with a DisruptionTarget condition.
package nodelifecycle

import (
	"context"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

var (
	// NodeMonitorGracePeriod is how long a node may go without renewing
	// its Lease before it is Unknown (upstream default 50s).
	NodeMonitorGracePeriod = 50 * time.Second
	// NodeStartupGracePeriod is that for a node that never posted status.
	NodeStartupGracePeriod = 60 * time.Second
	// NodeMonitorPeriod is how often node health is checked.
	NodeMonitorPeriod = 5 * time.Second
)

// nodeNameIndex indexes cached pods by spec.nodeName.
const nodeNameIndex = "nodelifecycle.skiff.dev/nodeName"

// Reconciler maintains node health, taints and evictions.
type Reconciler struct {
	Client client.Client
	// Reader reads without cache; the manager's API reader by default.
	Reader client.Reader
	// Now is the clock; time.Now by default.
	Now func() time.Time
	rec record.EventRecorder
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// SetupWithManager watches nodes, node Leases and bound pods.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.rec = mgr.GetEventRecorderFor("node-controller") //nolint:staticcheck // core/v1 events, as upstream
	if r.Reader == nil {
		r.Reader = mgr.GetAPIReader()
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &corev1.Pod{}, nodeNameIndex, func(o client.Object) []string {
		if n := o.(*corev1.Pod).Spec.NodeName; n != "" {
			return []string{n}
		}
		return nil
	}); err != nil {
		return err
	}
	toNode := func(name string) []ctrl.Request {
		return []ctrl.Request{{NamespacedName: client.ObjectKey{Name: name}}}
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("nodelifecycle").
		For(&corev1.Node{}).
		Watches(&coordinationv1.Lease{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []ctrl.Request {
			if o.GetNamespace() != corev1.NamespaceNodeLease {
				return nil
			}
			return toNode(o.GetName())
		})).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []ctrl.Request {
			return toNode(o.(*corev1.Pod).Spec.NodeName)
		}), builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
			p, ok := o.(*corev1.Pod)
			return ok && p.Spec.NodeName != "" && p.DeletionTimestamp == nil
		}))).
		Complete(r)
}

// Reconcile checks one node.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	node := &corev1.Node{}
	if err := r.Client.Get(ctx, req.NamespacedName, node); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	now := r.now()
	requeue := NodeMonitorPeriod
	if left, err := r.checkHealth(ctx, node, now); err != nil {
		return ctrl.Result{}, err
	} else if left > 0 && left < requeue {
		requeue = left
	}
	ready := condStatus(node, corev1.NodeReady)
	if err := r.updateTaints(ctx, node, now); err != nil {
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			return ctrl.Result{Requeue: true}, nil
		}
		return ctrl.Result{}, err
	}
	notReady := ready == corev1.ConditionFalse || ready == corev1.ConditionUnknown
	if notReady || hasNoExecute(node) {
		pods := &corev1.PodList{}
		if err := r.Client.List(ctx, pods, client.MatchingFields{nodeNameIndex: node.Name}); err != nil {
			return ctrl.Result{}, err
		}
		if notReady {
			r.markPodsNotReady(ctx, pods.Items)
		}
		if left := r.evict(ctx, node, pods.Items, now); left > 0 && left < requeue {
			requeue = left
		}
	}
	return ctrl.Result{RequeueAfter: requeue}, nil
}

// checkHealth sets the node's conditions to Unknown if its kubelet went
// quiet; it returns the time left before that happens.
func (r *Reconciler) checkHealth(ctx context.Context, node *corev1.Node, now time.Time) (time.Duration, error) {
	grace := NodeMonitorGracePeriod
	probe := node.CreationTimestamp.Time
	if c := condition(node, corev1.NodeReady); c == nil {
		grace = NodeStartupGracePeriod
	} else if c.LastHeartbeatTime.After(probe) {
		probe = c.LastHeartbeatTime.Time
	}
	lease := &coordinationv1.Lease{}
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: corev1.NamespaceNodeLease, Name: node.Name}, lease); err == nil {
		if lease.Spec.RenewTime != nil && lease.Spec.RenewTime.After(probe) {
			probe = lease.Spec.RenewTime.Time
		}
	} else if !apierrors.IsNotFound(err) {
		return 0, err
	}
	if left := probe.Add(grace).Sub(now); left >= 0 {
		return left + 10*time.Millisecond, nil
	}
	// A stale cache must not make a live node Unknown: re-read the Lease.
	if err := r.Reader.Get(ctx, client.ObjectKey{Namespace: corev1.NamespaceNodeLease, Name: node.Name}, lease); err == nil &&
		lease.Spec.RenewTime != nil && lease.Spec.RenewTime.Add(grace).After(now) {
		return lease.Spec.RenewTime.Add(grace).Sub(now), nil
	}
	updated := node.DeepCopy()
	nowT := metav1.NewTime(now)
	for _, t := range []corev1.NodeConditionType{corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure} {
		c := condition(updated, t)
		if c == nil {
			updated.Status.Conditions = append(updated.Status.Conditions, corev1.NodeCondition{
				Type: t, Status: corev1.ConditionUnknown, Reason: "NodeStatusNeverUpdated", Message: "Kubelet never posted node status.",
				LastHeartbeatTime: node.CreationTimestamp, LastTransitionTime: nowT,
			})
		} else if c.Status != corev1.ConditionUnknown {
			c.Status, c.Reason, c.Message, c.LastTransitionTime = corev1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status.", nowT
		}
	}
	if equality.Semantic.DeepEqual(updated.Status, node.Status) {
		return 0, nil
	}
	if err := r.Client.Status().Update(ctx, updated); err != nil {
		if apierrors.IsConflict(err) {
			return time.Millisecond * 100, nil
		}
		return 0, client.IgnoreNotFound(err)
	}
	r.event(node, corev1.EventTypeNormal, "NodeNotReady", "Node %s status is now: NodeNotReady", node.Name)
	*node = *updated
	return 0, nil
}

func (r *Reconciler) event(obj client.Object, typ, reason, format string, args ...interface{}) {
	if r.rec != nil {
		r.rec.Eventf(obj, typ, reason, format, args...)
	}
}

var conditionTaints = map[corev1.NodeConditionType]map[corev1.ConditionStatus]string{
	corev1.NodeReady:              {corev1.ConditionFalse: corev1.TaintNodeNotReady, corev1.ConditionUnknown: corev1.TaintNodeUnreachable},
	corev1.NodeMemoryPressure:     {corev1.ConditionTrue: corev1.TaintNodeMemoryPressure},
	corev1.NodeDiskPressure:       {corev1.ConditionTrue: corev1.TaintNodeDiskPressure},
	corev1.NodeNetworkUnavailable: {corev1.ConditionTrue: corev1.TaintNodeNetworkUnavailable},
	corev1.NodePIDPressure:        {corev1.ConditionTrue: corev1.TaintNodePIDPressure},
}

// controlledNoSchedule are the NoSchedule taint keys this controller owns.
var controlledNoSchedule = map[string]bool{
	corev1.TaintNodeNotReady: true, corev1.TaintNodeUnreachable: true, corev1.TaintNodeMemoryPressure: true,
	corev1.TaintNodeDiskPressure: true, corev1.TaintNodeNetworkUnavailable: true, corev1.TaintNodePIDPressure: true,
	corev1.TaintNodeUnschedulable: true,
}

// updateTaints sets the condition taints the node should have.
func (r *Reconciler) updateTaints(ctx context.Context, node *corev1.Node, now time.Time) error {
	want := map[corev1.Taint]bool{}
	for _, c := range node.Status.Conditions {
		if key, ok := conditionTaints[c.Type][c.Status]; ok {
			want[corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule}] = true
		}
	}
	if node.Spec.Unschedulable {
		want[corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}] = true
	}
	switch condStatus(node, corev1.NodeReady) {
	case corev1.ConditionFalse:
		want[corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}] = true
	case corev1.ConditionUnknown:
		want[corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}] = true
	}
	owned := func(t corev1.Taint) bool {
		if t.Effect == corev1.TaintEffectNoSchedule {
			return controlledNoSchedule[t.Key]
		}
		return t.Effect == corev1.TaintEffectNoExecute && (t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable)
	}
	var taints []corev1.Taint
	have := map[corev1.Taint]bool{}
	changed := false
	for _, t := range node.Spec.Taints {
		k := corev1.Taint{Key: t.Key, Effect: t.Effect}
		if owned(t) && !want[k] {
			changed = true
			continue
		}
		have[k] = true
		taints = append(taints, t)
	}
	for t := range want {
		if !have[t] {
			added := metav1.NewTime(now)
			t.TimeAdded = &added
			taints = append(taints, t)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		fresh := &corev1.Node{}
		if err := r.Reader.Get(ctx, client.ObjectKeyFromObject(node), fresh); err != nil {
			return err
		}
		// Keep taints others added meanwhile.
		merged := append([]corev1.Taint(nil), taints...)
		seen := map[corev1.Taint]bool{}
		for _, t := range taints {
			seen[corev1.Taint{Key: t.Key, Effect: t.Effect}] = true
		}
		for _, t := range fresh.Spec.Taints {
			if k := (corev1.Taint{Key: t.Key, Effect: t.Effect}); !seen[k] && !owned(t) {
				merged = append(merged, t)
			}
		}
		fresh.Spec.Taints = merged
		if err := r.Client.Update(ctx, fresh); err != nil {
			return err
		}
		*node = *fresh
		return nil
	})
}

func (r *Reconciler) markPodsNotReady(ctx context.Context, pods []corev1.Pod) {
	for i := range pods {
		p := pods[i].DeepCopy()
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		for j := range p.Status.Conditions {
			c := &p.Status.Conditions[j]
			if c.Type != corev1.PodReady || c.Status == corev1.ConditionFalse {
				continue
			}
			c.Status, c.LastTransitionTime = corev1.ConditionFalse, metav1.Now()
			if err := r.Client.Status().Update(ctx, p); err == nil {
				r.event(p, corev1.EventTypeWarning, "NodeNotReady", "Node is not ready")
			}
			break
		}
	}
}

// evict deletes the pods that do not tolerate the node's NoExecute
// taints; it returns when the next toleration runs out.
func (r *Reconciler) evict(ctx context.Context, node *corev1.Node, pods []corev1.Pod, now time.Time) time.Duration {
	var taints []corev1.Taint
	for _, t := range node.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoExecute {
			taints = append(taints, t)
		}
	}
	if len(taints) == 0 {
		return 0
	}
	var next time.Duration
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		at, ok := evictionTime(p, taints, now)
		if !ok {
			continue
		}
		if left := at.Sub(now); left > 0 {
			if next == 0 || left < next {
				next = left
			}
			continue
		}
		r.event(p, corev1.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod %s/%s", p.Namespace, p.Name)
		if err := r.addConditionAndDelete(ctx, p); err != nil && !apierrors.IsNotFound(err) {
			if next == 0 || next > time.Second {
				next = time.Second
			}
		}
	}
	return next
}

// evictionTime is when a pod must go given the NoExecute taints, or false
// if it tolerates them all forever.
func evictionTime(p *corev1.Pod, taints []corev1.Taint, now time.Time) (time.Time, bool) {
	var at time.Time
	forever := true
	for i := range taints {
		t := &taints[i]
		added := now
		if t.TimeAdded != nil {
			added = t.TimeAdded.Time
		}
		tolerated := false
		var min *int64
		for j := range p.Spec.Tolerations {
			tol := &p.Spec.Tolerations[j]
			if !tol.ToleratesTaint(klog.Background(), t, false) {
				continue
			}
			tolerated = true
			if tol.TolerationSeconds == nil {
				min = nil
				break
			}
			if min == nil || *tol.TolerationSeconds < *min {
				s := *tol.TolerationSeconds
				min = &s
			}
		}
		if !tolerated {
			return now, true
		}
		if min == nil {
			continue
		}
		forever = false
		s := max(*min, 0)
		if e := added.Add(time.Duration(s) * time.Second); at.IsZero() || e.Before(at) {
			at = e
		}
	}
	return at, !forever
}

func (r *Reconciler) addConditionAndDelete(ctx context.Context, p *corev1.Pod) error {
	fresh := &corev1.Pod{}
	if err := r.Reader.Get(ctx, client.ObjectKeyFromObject(p), fresh); err != nil {
		return err
	}
	found := false
	for i := range fresh.Status.Conditions {
		if fresh.Status.Conditions[i].Type == corev1.DisruptionTarget {
			found = fresh.Status.Conditions[i].Status == corev1.ConditionTrue
		}
	}
	if !found {
		fresh.Status.Conditions = setPodCondition(fresh.Status.Conditions, corev1.PodCondition{
			Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "DeletionByTaintManager",
			Message: "Taint manager: deleting due to NoExecute taint", LastTransitionTime: metav1.Now(),
		})
		if err := r.Client.Status().Update(ctx, fresh); err != nil {
			return err
		}
	}
	return r.Client.Delete(ctx, fresh, client.Preconditions{UID: &fresh.UID})
}

func setPodCondition(list []corev1.PodCondition, c corev1.PodCondition) []corev1.PodCondition {
	for i := range list {
		if list[i].Type == c.Type {
			list[i] = c
			return list
		}
	}
	return append(list, c)
}

func condition(n *corev1.Node, t corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == t {
			return &n.Status.Conditions[i]
		}
	}
	return nil
}

func condStatus(n *corev1.Node, t corev1.NodeConditionType) corev1.ConditionStatus {
	if c := condition(n, t); c != nil {
		return c.Status
	}
	return ""
}

func hasNoExecute(n *corev1.Node) bool {
	for _, t := range n.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoExecute {
			return true
		}
	}
	return false
}
