// Package disruption keeps the status of PodDisruptionBudgets as upstream's
// disruption controller does: currentHealthy (ready pods matching the
// selector that are not being deleted or about to be), desiredHealthy and
// expectedPods from minAvailable / maxUnavailable (percentages and
// maxUnavailable resolved against the scale of the pods' controllers:
// Deployments, ReplicaSets, StatefulSets, ReplicationControllers, or any
// resource with a scale subresource), disruptionsAllowed, disruptedPods,
// observedGeneration and the DisruptionAllowed condition.
package disruption

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/record"
	pdbhelper "k8s.io/component-helpers/apps/poddisruptionbudget"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// DeletionTimeout is how long a pod listed in status.disruptedPods (an
// eviction was granted) is assumed to be going away, as upstream.
const DeletionTimeout = 2 * time.Minute

// Reconciler updates PodDisruptionBudget status.
type Reconciler struct {
	Client client.Client
	// Reader reads the pods' controllers and their scale; the manager's
	// API reader (no extra informers) when nil.
	Reader   client.Reader
	Recorder record.EventRecorder
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// SetupWithManager watches PodDisruptionBudgets and pods.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if err := policyv1.AddToScheme(mgr.GetScheme()); err != nil {
		return err
	}
	if r.Reader == nil {
		r.Reader = mgr.GetAPIReader()
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorderFor("controllermanager")
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("disruption").
		For(&policyv1.PodDisruptionBudget{}).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(r.pdbsForPod)).
		Complete(r)
}

// pdbsForPod maps a pod to the PDBs in its namespace that select it.
func (r *Reconciler) pdbsForPod(ctx context.Context, o client.Object) []reconcile.Request {
	pod, ok := o.(*corev1.Pod)
	if !ok {
		return nil
	}
	var list policyv1.PodDisruptionBudgetList
	if err := r.Client.List(ctx, &list, client.InNamespace(pod.Namespace)); err != nil {
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		pdb := &list.Items[i]
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || sel.Empty() && pdb.Spec.Selector == nil {
			continue
		}
		if sel.Matches(labelSet(pod.Labels)) {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: pdb.Namespace, Name: pdb.Name}})
		}
	}
	return out
}

// Reconcile computes one PDB's status.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	pdb := &policyv1.PodDisruptionBudget{}
	if err := r.Client.Get(ctx, req.NamespacedName, pdb); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	recheck, err := r.trySync(ctx, pdb)
	if apierrors.IsConflict(err) {
		return ctrl.Result{}, err
	}
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Failed to sync PDB")
		return ctrl.Result{}, r.failSafe(ctx, pdb, err)
	}
	if recheck != nil {
		return ctrl.Result{RequeueAfter: recheck.Sub(r.Now())}, nil
	}
	return ctrl.Result{}, nil
}

func (r *Reconciler) trySync(ctx context.Context, pdb *policyv1.PodDisruptionBudget) (*time.Time, error) {
	pods, err := r.podsForPDB(ctx, pdb)
	if err != nil {
		r.Recorder.Eventf(pdb, corev1.EventTypeWarning, "NoPods", "Failed to get pods: %v", err)
		return nil, err
	}
	if len(pods) == 0 {
		r.Recorder.Eventf(pdb, corev1.EventTypeNormal, "NoPods", "No matching pods found")
	}
	expected, desired, unmanaged, err := r.expectedPodCount(ctx, pdb, pods)
	if err != nil {
		r.Recorder.Eventf(pdb, corev1.EventTypeWarning, "CalculateExpectedPodCountFailed", "Failed to calculate the number of expected pods: %v", err)
		return nil, err
	}
	if len(unmanaged) > 0 {
		r.Recorder.Eventf(pdb, corev1.EventTypeWarning, "UnmanagedPods", "Pods selected by this PodDisruptionBudget (selector: %v) were found "+
			"to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. "+
			"To account for these pods please set \".spec.minAvailable\" "+
			"field of the PDB to an integer value.", pdb.Spec.Selector)
	}
	now := r.Now()
	disrupted, recheck := r.disruptedPods(pods, pdb, now)
	healthy := countHealthy(pods, disrupted, now)
	return recheck, r.updateStatus(ctx, pdb, healthy, desired, expected, disrupted)
}

func (r *Reconciler) podsForPDB(ctx context.Context, pdb *policyv1.PodDisruptionBudget) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil {
		return nil, err
	}
	var list corev1.PodList
	if err := r.Client.List(ctx, &list, client.InNamespace(pdb.Namespace), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, err
	}
	out := make([]*corev1.Pod, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out, nil
}

// expectedPodCount is upstream's getExpectedPodCount.
func (r *Reconciler) expectedPodCount(ctx context.Context, pdb *policyv1.PodDisruptionBudget, pods []*corev1.Pod) (expected, desired int32, unmanaged []string, err error) {
	switch {
	case pdb.Spec.MaxUnavailable != nil:
		expected, unmanaged, err = r.expectedScale(ctx, pods)
		if err != nil {
			return
		}
		var maxUnavailable int
		maxUnavailable, err = intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MaxUnavailable, int(expected), true)
		if err != nil {
			return
		}
		desired = max(expected-int32(maxUnavailable), 0)
	case pdb.Spec.MinAvailable != nil:
		if pdb.Spec.MinAvailable.Type == intstr.Int {
			desired = pdb.Spec.MinAvailable.IntVal
			expected = int32(len(pods))
			return
		}
		expected, unmanaged, err = r.expectedScale(ctx, pods)
		if err != nil {
			return
		}
		var minAvailable int
		minAvailable, err = intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MinAvailable, int(expected), true)
		if err != nil {
			return
		}
		desired = int32(minAvailable)
	}
	return
}

// expectedScale sums the scale of the controllers of pods.
func (r *Reconciler) expectedScale(ctx context.Context, pods []*corev1.Pod) (int32, []string, error) {
	scales := map[types.UID]int32{}
	var unmanaged []string
	for _, pod := range pods {
		ref := metav1.GetControllerOf(pod)
		if ref == nil {
			unmanaged = append(unmanaged, pod.Name)
			continue
		}
		if _, ok := scales[ref.UID]; ok {
			continue
		}
		uid, scale, found, err := r.controllerScale(ctx, ref, pod.Namespace)
		if err != nil {
			return 0, nil, err
		}
		if !found {
			return 0, nil, fmt.Errorf("found no controllers for pod %q", pod.Name)
		}
		scales[uid] = scale
	}
	var n int32
	for _, s := range scales {
		n += s
	}
	return n, unmanaged, nil
}

func groupOf(ref *metav1.OwnerReference) (string, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	return gv.Group, err
}

// controllerScale is upstream's finders in order: ReplicationController,
// Deployment (through its ReplicaSet), ReplicaSet without a Deployment,
// StatefulSet, then any resource's scale subresource.
func (r *Reconciler) controllerScale(ctx context.Context, ref *metav1.OwnerReference, ns string) (types.UID, int32, bool, error) {
	group, err := groupOf(ref)
	if err != nil {
		return "", 0, false, err
	}
	key := client.ObjectKey{Namespace: ns, Name: ref.Name}
	switch {
	case ref.Kind == "ReplicationController" && group == "":
		rc := &corev1.ReplicationController{}
		if err := r.Reader.Get(ctx, key, rc); err != nil || rc.UID != ref.UID {
			return "", 0, false, ignoreNotFound(err)
		}
		return rc.UID, replicas(rc.Spec.Replicas), true, nil
	case ref.Kind == "ReplicaSet" && (group == "apps" || group == "extensions"):
		rs := &appsv1.ReplicaSet{}
		if err := r.Reader.Get(ctx, key, rs); err != nil || rs.UID != ref.UID {
			return "", 0, false, ignoreNotFound(err)
		}
		if owner := metav1.GetControllerOf(rs); owner != nil {
			og, err := groupOf(owner)
			if err != nil {
				return "", 0, false, err
			}
			if owner.Kind == "Deployment" {
				if og != "apps" && og != "extensions" {
					return "", 0, false, nil
				}
				d := &appsv1.Deployment{}
				if err := r.Reader.Get(ctx, client.ObjectKey{Namespace: ns, Name: owner.Name}, d); err != nil || d.UID != owner.UID {
					return "", 0, false, ignoreNotFound(err)
				}
				return d.UID, replicas(d.Spec.Replicas), true, nil
			}
		}
		return rs.UID, replicas(rs.Spec.Replicas), true, nil
	case ref.Kind == "StatefulSet" && group == "apps":
		ss := &appsv1.StatefulSet{}
		if err := r.Reader.Get(ctx, key, ss); err != nil || ss.UID != ref.UID {
			return "", 0, false, ignoreNotFound(err)
		}
		return ss.UID, replicas(ss.Spec.Replicas), true, nil
	}
	// Any other controller: its scale subresource.
	gv, _ := schema.ParseGroupVersion(ref.APIVersion)
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(gv.WithKind(ref.Kind))
	obj.SetNamespace(ns)
	obj.SetName(ref.Name)
	scale := &unstructured.Unstructured{}
	scale.SetGroupVersionKind(schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"})
	if err := r.Client.SubResource("scale").Get(ctx, obj, scale); err != nil {
		if apierrors.IsNotFound(err) {
			return "", 0, false, nil
		}
		if apimeta.IsNoMatchError(err) {
			return "", 0, false, err
		}
		return "", 0, false, err
	}
	if scale.GetUID() != ref.UID {
		return "", 0, false, nil
	}
	n, _, _ := unstructured.NestedInt64(scale.Object, "spec", "replicas")
	return scale.GetUID(), int32(n), true, nil
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

func countHealthy(pods []*corev1.Pod, disrupted map[string]metav1.Time, now time.Time) int32 {
	var n int32
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil {
			continue
		}
		if t, ok := disrupted[pod.Name]; ok && t.Add(DeletionTimeout).After(now) {
			continue
		}
		if podReady(pod) {
			n++
		}
	}
	return n
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// disruptedPods keeps the status.disruptedPods entries of pods that still
// exist, are not being deleted and whose eviction is recent, and returns
// when the earliest of them expires.
func (r *Reconciler) disruptedPods(pods []*corev1.Pod, pdb *policyv1.PodDisruptionBudget, now time.Time) (map[string]metav1.Time, *time.Time) {
	result := map[string]metav1.Time{}
	var recheck *time.Time
	if pdb.Status.DisruptedPods == nil {
		return result, nil
	}
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil {
			continue
		}
		t, ok := pdb.Status.DisruptedPods[pod.Name]
		if !ok {
			continue
		}
		expected := t.Add(DeletionTimeout)
		if expected.Before(now) {
			r.Recorder.Eventf(pod, corev1.EventTypeWarning, "NotDeleted", "Pod was expected by PDB %s/%s to be deleted but it wasn't", pdb.Namespace, pdb.Namespace)
			continue
		}
		if recheck == nil || expected.Before(*recheck) {
			recheck = &expected
		}
		result[pod.Name] = t
	}
	return result, recheck
}

func (r *Reconciler) failSafe(ctx context.Context, pdb *policyv1.PodDisruptionBudget, cause error) error {
	n := pdb.DeepCopy()
	n.Status.DisruptionsAllowed = 0
	if n.Status.Conditions == nil {
		n.Status.Conditions = []metav1.Condition{}
	}
	apimeta.SetStatusCondition(&n.Status.Conditions, metav1.Condition{
		Type:               policyv1.DisruptionAllowedCondition,
		Status:             metav1.ConditionFalse,
		Reason:             policyv1.SyncFailedReason,
		Message:            cause.Error(),
		ObservedGeneration: n.Status.ObservedGeneration,
	})
	return r.Client.Status().Update(ctx, n)
}

func (r *Reconciler) updateStatus(ctx context.Context, pdb *policyv1.PodDisruptionBudget, healthy, desired, expected int32, disrupted map[string]metav1.Time) error {
	// expectedPods must be > 0, so that PDBs matching no pods yet are safe
	// when their first pods appear.
	allowed := healthy - desired
	if expected <= 0 || allowed <= 0 {
		allowed = 0
	}
	if pdb.Status.CurrentHealthy == healthy &&
		pdb.Status.DesiredHealthy == desired &&
		pdb.Status.ExpectedPods == expected &&
		pdb.Status.DisruptionsAllowed == allowed &&
		apiequality.Semantic.DeepEqual(pdb.Status.DisruptedPods, disrupted) &&
		pdb.Status.ObservedGeneration == pdb.Generation &&
		pdbhelper.ConditionsAreUpToDate(pdb) {
		return nil
	}
	n := pdb.DeepCopy()
	n.Status = policyv1.PodDisruptionBudgetStatus{
		CurrentHealthy:     healthy,
		DesiredHealthy:     desired,
		ExpectedPods:       expected,
		DisruptionsAllowed: allowed,
		DisruptedPods:      disrupted,
		ObservedGeneration: pdb.Generation,
		Conditions:         n.Status.Conditions,
	}
	pdbhelper.UpdateDisruptionAllowedCondition(n)
	return r.Client.Status().Update(ctx, n)
}
