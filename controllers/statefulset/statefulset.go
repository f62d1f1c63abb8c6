// Package statefulset runs StatefulSets as upstream's StatefulSet
// controller does: pods named <set>-<ordinal> with a stable identity,
// PersistentVolumeClaims from volumeClaimTemplates with the retention
// policy, OrderedReady and Parallel pod management, RollingUpdate from
// the highest ordinal honouring partition and maxUnavailable, OnDelete,
// and ControllerRevisions for `kubectl rollout history/undo`.
package statefulset

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/skiff-k8s/skiff/controllers/internal/workload"
)

var (
	controllerKind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")
	podKind        = corev1.SchemeGroupVersion.WithKind("Pod")
	ordinalRE      = regexp.MustCompile("(.*)-([0-9]+)$")
)

// Reconciler manages the pods, claims and revisions of StatefulSets.
type Reconciler struct {
	Client    client.Client
	APIReader client.Reader
	Recorder  record.EventRecorder
}

// SetupWithManager watches StatefulSets, their pods and revisions.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorderFor("statefulset-controller")
	}
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	if err := workload.IndexControllerUID(mgr, &corev1.Pod{}); err != nil {
		return err
	}
	enqueueOwner := func(o client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		ref := metav1.GetControllerOfNoCopy(o)
		if ref != nil && ref.Kind == controllerKind.Kind && ref.APIVersion == controllerKind.GroupVersion().String() {
			q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: ref.Name}})
			return
		}
		if ref == nil {
			if p, ok := o.(*corev1.Pod); ok {
				r.enqueueMatching(p, q)
			}
		}
	}
	h := handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueueOwner(e.Object, q)
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueueOwner(e.ObjectOld, q)
			enqueueOwner(e.ObjectNew, q)
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueueOwner(e.Object, q)
		},
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("statefulset").
		For(&appsv1.StatefulSet{}).
		Watches(&corev1.Pod{}, h).
		Watches(&appsv1.ControllerRevision{}, h).
		Complete(r)
}

func (r *Reconciler) enqueueMatching(p *corev1.Pod, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	list := &appsv1.StatefulSetList{}
	if err := r.Client.List(context.Background(), list, client.InNamespace(p.Namespace)); err != nil {
		return
	}
	for i := range list.Items {
		sel, err := metav1.LabelSelectorAsSelector(list.Items[i].Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(p.Labels)) {
			q.Add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
	}
}

// ordinal returns the ordinal of a pod of set, or -1.
func ordinal(set *appsv1.StatefulSet, p *corev1.Pod) int {
	m := ordinalRE.FindStringSubmatch(p.Name)
	if m == nil || m[1] != set.Name {
		return -1
	}
	n, err := strconv.Atoi(m[2])
	if err != nil {
		return -1
	}
	return n
}

func startOrdinal(set *appsv1.StatefulSet) int {
	if set.Spec.Ordinals != nil {
		return int(set.Spec.Ordinals.Start)
	}
	return 0
}

func isHealthy(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodRunning && workload.IsPodReady(p) && p.DeletionTimestamp == nil
}

func isFailed(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed }

func isSucceeded(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodSucceeded }

// Reconcile syncs one StatefulSet.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	set := &appsv1.StatefulSet{}
	if err := r.Client.Get(ctx, req.NamespacedName, set); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if set.DeletionTimestamp != nil {
		return ctrl.Result{}, nil
	}
	selector, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil {
		return ctrl.Result{}, nil
	}
	var all []*corev1.Pod
	for _, uid := range []string{string(set.UID), ""} {
		list := &corev1.PodList{}
		if err := r.Client.List(ctx, list, client.InNamespace(set.Namespace), client.MatchingFields{workload.ControllerUIDIndex: uid}); err != nil {
			return ctrl.Result{}, err
		}
		for i := range list.Items {
			// Only pods with this set's identity are adopted.
			if uid == "" && ordinal(set, &list.Items[i]) < 0 {
				continue
			}
			all = append(all, &list.Items[i])
		}
	}
	claimer := &workload.Claimer{
		Client: r.Client, Owner: set, OwnerGVK: controllerKind, Selector: selector,
		CanAdopt: workload.CanAdoptFunc(set, func(ctx context.Context) (metav1.Object, error) {
			fresh := &appsv1.StatefulSet{}
			return fresh, r.APIReader.Get(ctx, req.NamespacedName, fresh)
		}),
	}
	pods, err := workload.Claim(ctx, claimer, all)
	if err != nil {
		return ctrl.Result{}, err
	}
	revs, err := OwnedRevisions(ctx, r.Client, set)
	if err != nil {
		return ctrl.Result{}, err
	}
	rv := &Revisioner{Client: r.Client, Owner: set, OwnerGVK: controllerKind, Template: &set.Spec.Template, Collision: set.Status.CollisionCount,
		Labels: func(hash string) map[string]string {
			l := map[string]string{}
			for k, v := range set.Spec.Template.Labels {
				l[k] = v
			}
			l[RevisionHashLabel] = hash
			return l
		}}
	update, collision, err := rv.UpdateRevision(ctx, revs)
	if err != nil {
		if collision != ptr.Deref(set.Status.CollisionCount, 0) {
			cp := set.DeepCopy()
			cp.Status.CollisionCount = &collision
			_ = r.Client.Status().Update(ctx, cp)
		}
		return ctrl.Result{}, err
	}
	current := update
	for _, rev := range revs {
		if rev.Name == set.Status.CurrentRevision {
			current = rev
		}
	}
	status, requeue, err := r.sync(ctx, set, pods, current, update)
	if err != nil {
		return ctrl.Result{}, err
	}
	status.CollisionCount = &collision
	if err := r.updateStatus(ctx, set, status); err != nil {
		return ctrl.Result{}, err
	}
	// Truncate history.
	live := map[string]bool{status.CurrentRevision: true, status.UpdateRevision: true}
	for _, p := range pods {
		live[p.Labels[appsv1.ControllerRevisionHashLabelKey]] = true
	}
	revs, err = OwnedRevisions(ctx, r.Client, set)
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := Truncate(ctx, r.Client, revs, live, ptr.Deref(set.Spec.RevisionHistoryLimit, 10)); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: requeue}, nil
}

// newPod builds the pod of set at ordinal from rev's template.
func newPod(set *appsv1.StatefulSet, rev *appsv1.ControllerRevision, ord int) (*corev1.Pod, error) {
	tmpl, err := TemplateOf(rev)
	if err != nil {
		return nil, err
	}
	pod := workload.PodFromTemplate(tmpl, set, controllerKind)
	pod.GenerateName = ""
	pod.Name = fmt.Sprintf("%s-%d", set.Name, ord)
	pod.Namespace = set.Namespace
	pod.Labels[appsv1.StatefulSetPodNameLabel] = pod.Name
	pod.Labels[appsv1.PodIndexLabel] = strconv.Itoa(ord)
	pod.Labels[appsv1.ControllerRevisionHashLabelKey] = rev.Name
	pod.Spec.Hostname = pod.Name
	pod.Spec.Subdomain = set.Spec.ServiceName
	// Volumes from the claim templates replace same-named volumes.
	var vols []corev1.Volume
	names := map[string]bool{}
	for _, t := range set.Spec.VolumeClaimTemplates {
		names[t.Name] = true
		vols = append(vols, corev1.Volume{Name: t.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName(set, t.Name, ord)}}})
	}
	for _, v := range pod.Spec.Volumes {
		if !names[v.Name] {
			vols = append(vols, v)
		}
	}
	pod.Spec.Volumes = vols
	return pod, nil
}

func claimName(set *appsv1.StatefulSet, template string, ord int) string {
	return fmt.Sprintf("%s-%s-%d", template, set.Name, ord)
}

func retention(set *appsv1.StatefulSet) (whenDeleted, whenScaled appsv1.PersistentVolumeClaimRetentionPolicyType) {
	whenDeleted, whenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	if p := set.Spec.PersistentVolumeClaimRetentionPolicy; p != nil {
		if p.WhenDeleted != "" {
			whenDeleted = p.WhenDeleted
		}
		if p.WhenScaled != "" {
			whenScaled = p.WhenScaled
		}
	}
	return
}

// claimRefs returns the owner references a claim of set at ordinal should
// carry from set and pod under the retention policy.
func claimRefs(set *appsv1.StatefulSet, pod *corev1.Pod, inRange bool) []metav1.OwnerReference {
	whenDeleted, whenScaled := retention(set)
	const del = appsv1.DeletePersistentVolumeClaimRetentionPolicyType
	var refs []metav1.OwnerReference
	if whenScaled == del && !inRange && pod != nil {
		refs = append(refs, *metav1.NewControllerRef(pod, podKind))
	}
	if whenDeleted == del && (inRange || whenScaled != del) {
		refs = append(refs, *metav1.NewControllerRef(set, controllerKind))
	}
	return refs
}

// syncClaims creates the missing claims of the pod at ordinal and fixes
// their owner references.
func (r *Reconciler) syncClaims(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod, ord int, inRange bool) error {
	for _, t := range set.Spec.VolumeClaimTemplates {
		name := claimName(set, t.Name, ord)
		claim := &corev1.PersistentVolumeClaim{}
		err := r.Client.Get(ctx, types.NamespacedName{Namespace: set.Namespace, Name: name}, claim)
		if apierrors.IsNotFound(err) {
			if !inRange {
				continue
			}
			claim = t.DeepCopy()
			claim.ObjectMeta = metav1.ObjectMeta{Name: name, Namespace: set.Namespace, Labels: map[string]string{}, Annotations: t.Annotations}
			for k, v := range t.Labels {
				claim.Labels[k] = v
			}
			for k, v := range set.Spec.Selector.MatchLabels {
				claim.Labels[k] = v
			}
			claim.OwnerReferences = claimRefs(set, pod, inRange)
			claim.Status = corev1.PersistentVolumeClaimStatus{}
			if err := r.Client.Create(ctx, claim); err != nil && !apierrors.IsAlreadyExists(err) {
				r.Recorder.Eventf(set, corev1.EventTypeWarning, "FailedCreate", "create Claim %s for Pod %s in StatefulSet %s failed error: %v", name, fmt.Sprintf("%s-%d", set.Name, ord), set.Name, err)
				return err
			}
			r.Recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulCreate", "create Claim %s Pod %s in StatefulSet %s success", name, fmt.Sprintf("%s-%d", set.Name, ord), set.Name)
			continue
		}
		if err != nil {
			return err
		}
		// Keep others' references, replace ours.
		var refs []metav1.OwnerReference
		for _, ref := range claim.OwnerReferences {
			if ref.UID == set.UID || (pod != nil && ref.UID == pod.UID) {
				continue
			}
			if ref.Controller != nil && *ref.Controller {
				// Someone else controls it: leave it alone.
				refs = nil
				break
			}
			refs = append(refs, ref)
		}
		want := append(refs, claimRefs(set, pod, inRange)...)
		if !sameRefs(claim.OwnerReferences, want) {
			claim.OwnerReferences = want
			if err := r.Client.Update(ctx, claim); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
		}
	}
	return nil
}

func sameRefs(a, b []metav1.OwnerReference) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].UID != b[i].UID || ptr.Deref(a[i].Controller, false) != ptr.Deref(b[i].Controller, false) {
			return false
		}
	}
	return true
}

// sync creates, deletes and updates pods of set; it returns the new status.
func (r *Reconciler) sync(ctx context.Context, set *appsv1.StatefulSet, pods []*corev1.Pod, current, update *appsv1.ControllerRevision) (appsv1.StatefulSetStatus, time.Duration, error) {
	replicaCount := int(ptr.Deref(set.Spec.Replicas, 1))
	start := startOrdinal(set)
	end := start + replicaCount
	replicas := make([]*corev1.Pod, replicaCount)
	var condemned []*corev1.Pod
	for _, p := range pods {
		ord := ordinal(set, p)
		if ord >= start && ord < end {
			replicas[ord-start] = p
		} else if ord >= 0 {
			condemned = append(condemned, p)
		}
	}
	sort.Slice(condemned, func(i, j int) bool { return ordinal(set, condemned[i]) > ordinal(set, condemned[j]) })
	monotonic := set.Spec.PodManagementPolicy != appsv1.ParallelPodManagement
	partition := 0
	rolling := set.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType
	if rolling && set.Spec.UpdateStrategy.RollingUpdate != nil {
		partition = int(ptr.Deref(set.Spec.UpdateStrategy.RollingUpdate.Partition, 0))
	}
	revFor := func(ord int) *appsv1.ControllerRevision {
		// As upstream's newVersionedStatefulSetPod: only ordinals below
		// the partition of a RollingUpdate stay at the current revision;
		// OnDelete recreates pods at the update revision.
		if current.Name != update.Name && rolling && ord-start < partition {
			return current
		}
		return update
	}
	status := appsv1.StatefulSetStatus{ObservedGeneration: set.Generation, CurrentRevision: current.Name, UpdateRevision: update.Name}
	now := time.Now()
	var requeue time.Duration
	count := func(p *corev1.Pod) {
		if p == nil || isFailed(p) || isSucceeded(p) {
			return
		}
		status.Replicas++
		if isHealthy(p) {
			status.ReadyReplicas++
			if workload.IsPodAvailable(p, set.Spec.MinReadySeconds, now) {
				status.AvailableReplicas++
			} else if d := workload.NextAvailabilityCheck([]*corev1.Pod{p}, set.Spec.MinReadySeconds, now); d != nil && (requeue == 0 || *d < requeue) {
				requeue = *d
			}
		}
		h := p.Labels[appsv1.ControllerRevisionHashLabelKey]
		if h == current.Name {
			status.CurrentReplicas++
		}
		if h == update.Name {
			status.UpdatedReplicas++
		}
	}
	finish := func() (appsv1.StatefulSetStatus, time.Duration, error) {
		status = appsv1.StatefulSetStatus{ObservedGeneration: status.ObservedGeneration, CurrentRevision: current.Name, UpdateRevision: update.Name}
		for _, p := range replicas {
			count(p)
		}
		for _, p := range condemned {
			count(p)
		}
		// A finished rolling update makes the update revision current.
		if rolling && status.UpdatedReplicas == status.Replicas && status.ReadyReplicas == status.Replicas {
			status.CurrentReplicas = status.UpdatedReplicas
			status.CurrentRevision = status.UpdateRevision
		}
		return status, requeue, nil
	}

	// Failed or succeeded pods are deleted and recreated.
	for i, p := range replicas {
		if p != nil && (isFailed(p) || isSucceeded(p)) && p.DeletionTimestamp == nil {
			if err := r.deletePod(ctx, set, p); err != nil {
				return status, 0, err
			}
			replicas[i] = nil
		}
	}
	// Create missing replicas and wait for them in order.
	for i, p := range replicas {
		ord := start + i
		if p == nil {
			pod, err := newPod(set, revFor(ord), ord)
			if err != nil {
				return status, 0, err
			}
			if err := r.syncClaims(ctx, set, nil, ord, true); err != nil {
				return status, 0, err
			}
			if err := r.Client.Create(ctx, pod); err != nil {
				if apierrors.IsAlreadyExists(err) {
					// The old pod is still terminating.
					return finish()
				}
				r.Recorder.Eventf(set, corev1.EventTypeWarning, "FailedCreate", "create Pod %s in StatefulSet %s failed error: %v", pod.Name, set.Name, err)
				return status, 0, err
			}
			r.Recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulCreate", "create Pod %s in StatefulSet %s successful", pod.Name, set.Name)
			replicas[i] = pod
			if monotonic {
				return finish()
			}
			continue
		}
		if p.DeletionTimestamp != nil {
			if monotonic {
				return finish()
			}
			continue
		}
		if err := r.syncClaims(ctx, set, p, ord, true); err != nil {
			return status, 0, err
		}
		// Identity labels must be present.
		if p.Labels[appsv1.StatefulSetPodNameLabel] != p.Name || p.Labels[appsv1.PodIndexLabel] != strconv.Itoa(ord) {
			cp := p.DeepCopy()
			cp.Labels[appsv1.StatefulSetPodNameLabel] = p.Name
			cp.Labels[appsv1.PodIndexLabel] = strconv.Itoa(ord)
			if err := r.Client.Update(ctx, cp); err != nil {
				return status, 0, client.IgnoreNotFound(err)
			}
		}
		if monotonic && !isHealthy(p) {
			return finish()
		}
		if monotonic && set.Spec.MinReadySeconds > 0 && !workload.IsPodAvailable(p, set.Spec.MinReadySeconds, now) {
			_, _, _ = finish()
			return status, requeue, nil
		}
	}
	// Scale down from the highest ordinal.
	for _, p := range condemned {
		ord := ordinal(set, p)
		if err := r.syncClaims(ctx, set, p, ord, false); err != nil {
			return status, 0, err
		}
		if p.DeletionTimestamp != nil {
			if monotonic {
				return finish()
			}
			continue
		}
		if monotonic {
			for _, o := range append(append([]*corev1.Pod{}, replicas...), condemned...) {
				if o != nil && o != p && !isHealthy(o) {
					return finish()
				}
			}
		}
		if err := r.deletePod(ctx, set, p); err != nil {
			return status, 0, err
		}
		if monotonic {
			return finish()
		}
	}
	if !rolling {
		return finish()
	}
	// Rolling update from the highest ordinal down to the partition.
	maxUnavailable := 1
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxUnavailable != nil {
		v, err := intstr.GetScaledValueFromIntOrPercent(intstr.ValueOrDefault(ru.MaxUnavailable, intstr.FromInt32(1)), replicaCount, true)
		if err == nil {
			maxUnavailable = max(v, 1)
		}
	}
	unavailable := 0
	for _, p := range replicas {
		if p == nil || !isHealthy(p) || !workload.IsPodAvailable(p, set.Spec.MinReadySeconds, now) {
			unavailable++
		}
	}
	for i := len(replicas) - 1; i >= partition; i-- {
		p := replicas[i]
		if p == nil || p.Labels[appsv1.ControllerRevisionHashLabelKey] == update.Name {
			continue
		}
		if p.DeletionTimestamp != nil {
			continue
		}
		if unavailable >= maxUnavailable && isHealthy(p) {
			break
		}
		if err := r.deletePod(ctx, set, p); err != nil {
			return status, 0, err
		}
		if isHealthy(p) {
			unavailable++
		}
	}
	return finish()
}

func (r *Reconciler) deletePod(ctx context.Context, set *appsv1.StatefulSet, p *corev1.Pod) error {
	err := r.Client.Delete(ctx, p, client.Preconditions{UID: &p.UID})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		r.Recorder.Eventf(set, corev1.EventTypeWarning, "FailedDelete", "delete Pod %s in StatefulSet %s failed error: %v", p.Name, set.Name, err)
		return err
	}
	r.Recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulDelete", "delete Pod %s in StatefulSet %s successful", p.Name, set.Name)
	return nil
}

func (r *Reconciler) updateStatus(ctx context.Context, set *appsv1.StatefulSet, status appsv1.StatefulSetStatus) error {
	status.Conditions = set.Status.Conditions
	if equalStatus(set.Status, status) {
		return nil
	}
	for i := 0; ; i++ {
		cp := set.DeepCopy()
		cp.Status = status
		err := r.Client.Status().Update(ctx, cp)
		if err == nil || i >= 1 || !apierrors.IsConflict(err) {
			return err
		}
		fresh := &appsv1.StatefulSet{}
		if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(set), fresh); err != nil {
			return err
		}
		set = fresh
	}
}

func equalStatus(a, b appsv1.StatefulSetStatus) bool {
	return a.ObservedGeneration == b.ObservedGeneration && a.Replicas == b.Replicas && a.ReadyReplicas == b.ReadyReplicas &&
		a.CurrentReplicas == b.CurrentReplicas && a.UpdatedReplicas == b.UpdatedReplicas && a.AvailableReplicas == b.AvailableReplicas &&
		a.CurrentRevision == b.CurrentRevision && a.UpdateRevision == b.UpdateRevision && ptr.Equal(a.CollisionCount, b.CollisionCount)
}
