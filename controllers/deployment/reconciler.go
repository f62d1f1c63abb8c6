// Package deployment rolls Deployments out through ReplicaSets as
// upstream's deployment controller does: a new ReplicaSet named
// <deployment>-<pod-template-hash> per template, rolling update with
// maxSurge/maxUnavailable or recreate, proportional scaling of a rollout
// in progress, pausing, revision annotations (so `kubectl rollout
// history/undo` work), old ReplicaSets kept up to revisionHistoryLimit,
// and the Available/Progressing/ReplicaFailure conditions with
// upstream's reasons and messages, including progressDeadlineSeconds.
package deployment

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/skiff-k8s/skiff/controllers/internal/workload"
)

var controllerKind = appsv1.SchemeGroupVersion.WithKind("Deployment")

// Reconciler rolls out Deployments.
type Reconciler struct {
	Client    client.Client
	APIReader client.Reader
	Recorder  record.EventRecorder
}

type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]

// SetupWithManager watches Deployments, their ReplicaSets and, for the
// recreate strategy, the deletion of their pods.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorderFor("deployment-controller")
	}
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	if err := workload.IndexControllerUID(mgr, &appsv1.ReplicaSet{}); err != nil {
		return err
	}
	if err := workload.IndexControllerUID(mgr, &corev1.Pod{}); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("deployment").
		For(&appsv1.Deployment{}).
		Watches(&appsv1.ReplicaSet{}, handler.Funcs{
			CreateFunc: func(ctx context.Context, e event.CreateEvent, q queue) {
				r.rsChanged(ctx, nil, e.Object.(*appsv1.ReplicaSet), q)
			},
			UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q queue) {
				r.rsChanged(ctx, e.ObjectOld.(*appsv1.ReplicaSet), e.ObjectNew.(*appsv1.ReplicaSet), q)
			},
			DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q queue) {
				if rs, ok := e.Object.(*appsv1.ReplicaSet); ok {
					r.rsChanged(ctx, nil, rs, q)
				}
			},
		}).
		Watches(&corev1.Pod{}, handler.Funcs{
			DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q queue) {
				if p, ok := e.Object.(*corev1.Pod); ok {
					r.podDeleted(ctx, p, q)
				}
			},
		}).
		Complete(r)
}

func deploymentOf(obj metav1.Object) (reconcile.Request, bool) {
	ref := metav1.GetControllerOfNoCopy(obj)
	if ref == nil || ref.Kind != controllerKind.Kind || ref.APIVersion != controllerKind.GroupVersion().String() {
		return reconcile.Request{}, false
	}
	return reconcile.Request{NamespacedName: types.NamespacedName{Namespace: obj.GetNamespace(), Name: ref.Name}}, true
}

func (r *Reconciler) rsChanged(ctx context.Context, old, cur *appsv1.ReplicaSet, q queue) {
	if old != nil {
		if req, ok := deploymentOf(old); ok && !reflect.DeepEqual(metav1.GetControllerOfNoCopy(old), metav1.GetControllerOfNoCopy(cur)) {
			q.Add(req)
		}
	}
	if req, ok := deploymentOf(cur); ok {
		q.Add(req)
		return
	}
	if metav1.GetControllerOfNoCopy(cur) != nil || cur.DeletionTimestamp != nil {
		return
	}
	// An orphan: wake the deployments that may adopt it.
	list := &appsv1.DeploymentList{}
	if err := r.Client.List(ctx, list, client.InNamespace(cur.Namespace)); err != nil {
		return
	}
	for i := range list.Items {
		sel, err := metav1.LabelSelectorAsSelector(list.Items[i].Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(cur.Labels)) {
			continue
		}
		q.Add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
}

// podDeleted wakes a Recreate deployment once its old pods are gone.
func (r *Reconciler) podDeleted(ctx context.Context, p *corev1.Pod, q queue) {
	ref := metav1.GetControllerOfNoCopy(p)
	if ref == nil || ref.Kind != "ReplicaSet" {
		return
	}
	rs := &appsv1.ReplicaSet{}
	if err := r.Client.Get(ctx, types.NamespacedName{Namespace: p.Namespace, Name: ref.Name}, rs); err != nil || rs.UID != ref.UID {
		return
	}
	if req, ok := deploymentOf(rs); ok {
		d := &appsv1.Deployment{}
		if err := r.Client.Get(ctx, req.NamespacedName, d); err == nil && d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
			q.Add(req)
		}
	}
}

// result carries a requeue from deep in a sync.
type syncState struct {
	requeueAfter time.Duration
}

// Reconcile syncs one Deployment.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	cur := &appsv1.Deployment{}
	if err := r.Client.Get(ctx, req.NamespacedName, cur); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	d := cur.DeepCopy()
	st := &syncState{}
	err := r.sync(ctx, d, st)
	if apierrors.IsConflict(err) {
		return ctrl.Result{Requeue: true}, nil
	}
	if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
		// Every create would fail; the namespace is going away.
		return ctrl.Result{}, nil
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	if st.requeueAfter > 0 {
		return ctrl.Result{RequeueAfter: st.requeueAfter}, nil
	}
	return ctrl.Result{}, nil
}

func (r *Reconciler) sync(ctx context.Context, d *appsv1.Deployment, st *syncState) error {
	if d.Spec.Selector == nil || reflect.DeepEqual(d.Spec.Selector, &metav1.LabelSelector{}) {
		r.Recorder.Eventf(d, corev1.EventTypeWarning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
		if d.Status.ObservedGeneration < d.Generation {
			d.Status.ObservedGeneration = d.Generation
			return r.Client.Status().Update(ctx, d)
		}
		return nil
	}
	if d.Spec.Replicas == nil {
		one := int32(1)
		d.Spec.Replicas = &one
	}
	rsList, err := r.replicaSetsFor(ctx, d)
	if err != nil {
		return err
	}
	if d.DeletionTimestamp != nil {
		return r.syncStatusOnly(ctx, d, rsList)
	}
	if err := r.checkPausedConditions(ctx, d); err != nil {
		return err
	}
	if d.Spec.Paused {
		return r.syncScale(ctx, d, rsList)
	}
	scaling, err := r.isScalingEvent(ctx, d, rsList)
	if err != nil {
		return err
	}
	if scaling {
		return r.syncScale(ctx, d, rsList)
	}
	switch d.Spec.Strategy.Type {
	case appsv1.RecreateDeploymentStrategyType:
		podMap, err := r.podMap(ctx, rsList)
		if err != nil {
			return err
		}
		return r.rolloutRecreate(ctx, d, rsList, podMap, st)
	case appsv1.RollingUpdateDeploymentStrategyType:
		return r.rolloutRolling(ctx, d, rsList, st)
	}
	return fmt.Errorf("unexpected deployment strategy type: %s", d.Spec.Strategy.Type)
}

// replicaSetsFor claims the ReplicaSets of d's namespace: its own that
// still match and matching orphans.
func (r *Reconciler) replicaSetsFor(ctx context.Context, d *appsv1.Deployment) ([]*appsv1.ReplicaSet, error) {
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("deployment %s/%s has invalid label selector: %v", d.Namespace, d.Name, err)
	}
	var all []*appsv1.ReplicaSet
	for _, uid := range []string{string(d.UID), ""} {
		list := &appsv1.ReplicaSetList{}
		if err := r.Client.List(ctx, list, client.InNamespace(d.Namespace), client.MatchingFields{workload.ControllerUIDIndex: uid}); err != nil {
			return nil, err
		}
		for i := range list.Items {
			all = append(all, &list.Items[i])
		}
	}
	c := &workload.Claimer{
		Client: r.Client, Owner: d, OwnerGVK: controllerKind, Selector: sel,
		CanAdopt: workload.CanAdoptFunc(d, func(ctx context.Context) (metav1.Object, error) {
			fresh := &appsv1.Deployment{}
			return fresh, r.APIReader.Get(ctx, client.ObjectKeyFromObject(d), fresh)
		}),
	}
	return workload.Claim(ctx, c, all)
}

// podMap groups the pods of rsList by ReplicaSet UID.
func (r *Reconciler) podMap(ctx context.Context, rsList []*appsv1.ReplicaSet) (map[types.UID][]*corev1.Pod, error) {
	out := map[types.UID][]*corev1.Pod{}
	for _, rs := range rsList {
		list := &corev1.PodList{}
		if err := r.Client.List(ctx, list, client.InNamespace(rs.Namespace), client.MatchingFields{workload.ControllerUIDIndex: string(rs.UID)}); err != nil {
			return nil, err
		}
		pods := make([]*corev1.Pod, 0, len(list.Items))
		for i := range list.Items {
			pods = append(pods, &list.Items[i])
		}
		out[rs.UID] = pods
	}
	return out, nil
}

func (r *Reconciler) updateStatus(ctx context.Context, d *appsv1.Deployment) error {
	return r.Client.Status().Update(ctx, d)
}

// checkPausedConditions records pausing and resuming in the Progressing
// condition.
func (r *Reconciler) checkPausedConditions(ctx context.Context, d *appsv1.Deployment) error {
	if !hasProgressDeadline(d) {
		return nil
	}
	cond := getCondition(d.Status, appsv1.DeploymentProgressing)
	if cond != nil && cond.Reason == TimedOutReason {
		return nil
	}
	pausedExists := cond != nil && cond.Reason == PausedDeployReason
	switch {
	case d.Spec.Paused && !pausedExists:
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, PausedDeployReason, "Deployment is paused"))
	case !d.Spec.Paused && pausedExists:
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, ResumedDeployReason, "Deployment is resumed"))
	default:
		return nil
	}
	return r.updateStatus(ctx, d)
}

func (r *Reconciler) isScalingEvent(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) (bool, error) {
	newRS, oldRSs, err := r.getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false)
	if err != nil {
		return false, err
	}
	for _, rs := range activeReplicaSets(append(oldRSs, newRS)) {
		desired, ok := int32Annotation(rs, DesiredReplicasAnnotation)
		if ok && desired != *d.Spec.Replicas {
			return true, nil
		}
	}
	return false, nil
}

// getAllReplicaSetsAndSyncRevision returns the new ReplicaSet (created
// if asked and missing) and all old ones, and syncs revision annotations.
func (r *Reconciler) getAllReplicaSetsAndSyncRevision(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet, create bool) (*appsv1.ReplicaSet, []*appsv1.ReplicaSet, error) {
	_, allOld := findOldReplicaSets(d, rsList)
	newRS, err := r.getNewReplicaSet(ctx, d, rsList, allOld, create)
	if err != nil {
		return nil, nil, err
	}
	return newRS, allOld, nil
}

func replicaSetName(d string, hash string) string {
	maxLen := validation.DNS1123SubdomainMaxLength - 1 - len(hash)
	if len(d) > maxLen && maxLen > 0 {
		d = d[:maxLen]
	}
	return d + "-" + hash
}

func (r *Reconciler) getNewReplicaSet(ctx context.Context, d *appsv1.Deployment, rsList, oldRSs []*appsv1.ReplicaSet, create bool) (*appsv1.ReplicaSet, error) {
	existing := findNewReplicaSet(d, rsList)
	newRevision := strconv.FormatInt(maxRevision(oldRSs)+1, 10)
	if existing != nil {
		rsCopy := existing.DeepCopy()
		annotationsUpdated := setNewReplicaSetAnnotations(d, rsCopy, newRevision, true)
		minReadyUpdate := rsCopy.Spec.MinReadySeconds != d.Spec.MinReadySeconds
		if annotationsUpdated || minReadyUpdate {
			rsCopy.Spec.MinReadySeconds = d.Spec.MinReadySeconds
			if err := r.Client.Update(ctx, rsCopy); err != nil {
				return nil, err
			}
			return rsCopy, nil
		}
		needsUpdate := setDeploymentRevision(d, rsCopy.Annotations[RevisionAnnotation])
		if hasProgressDeadline(d) && getCondition(d.Status, appsv1.DeploymentProgressing) == nil {
			setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, FoundNewRSReason, fmt.Sprintf("Found new replica set %q", rsCopy.Name)))
			needsUpdate = true
		}
		if needsUpdate {
			if err := r.updateStatus(ctx, d); err != nil {
				return nil, err
			}
		}
		return rsCopy, nil
	}
	if !create {
		return nil, nil
	}
	tmpl := *d.Spec.Template.DeepCopy()
	hash := workload.ComputeHash(&tmpl, d.Status.CollisionCount)
	tmpl.Labels = withLabel(d.Spec.Template.Labels, workload.PodTemplateHashLabel, hash)
	sel := d.Spec.Selector.DeepCopy()
	if sel.MatchLabels == nil {
		sel.MatchLabels = map[string]string{}
	}
	sel.MatchLabels[workload.PodTemplateHashLabel] = hash
	zero := int32(0)
	newRS := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name:            replicaSetName(d.Name, hash),
			Namespace:       d.Namespace,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(d, controllerKind)},
			Labels:          tmpl.Labels,
		},
		Spec: appsv1.ReplicaSetSpec{Replicas: &zero, MinReadySeconds: d.Spec.MinReadySeconds, Selector: sel, Template: tmpl},
	}
	n, err := newRSNewReplicas(d, append(oldRSs, newRS), newRS)
	if err != nil {
		return nil, err
	}
	newRS.Spec.Replicas = &n
	setNewReplicaSetAnnotations(d, newRS, newRevision, false)
	alreadyExists := false
	created := newRS.DeepCopy()
	err = r.Client.Create(ctx, created)
	switch {
	case apierrors.IsAlreadyExists(err):
		alreadyExists = true
		rs := &appsv1.ReplicaSet{}
		if gerr := r.APIReader.Get(ctx, client.ObjectKeyFromObject(newRS), rs); gerr != nil {
			return nil, gerr
		}
		if ref := metav1.GetControllerOfNoCopy(rs); ref != nil && ref.UID == d.UID && equalIgnoreHash(&d.Spec.Template, &rs.Spec.Template) {
			created, err = rs, nil
			break
		}
		if d.Status.CollisionCount == nil {
			d.Status.CollisionCount = new(int32)
		}
		*d.Status.CollisionCount++
		_ = r.updateStatus(ctx, d)
		return nil, err
	case apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause):
		return nil, err
	case err != nil:
		msg := fmt.Sprintf("Failed to create new replica set %q: %v", newRS.Name, err)
		if hasProgressDeadline(d) {
			setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, FailedRSCreateReason, msg))
			_ = r.updateStatus(ctx, d)
		}
		r.Recorder.Eventf(d, corev1.EventTypeWarning, FailedRSCreateReason, "%s", msg)
		return nil, err
	}
	if !alreadyExists && n > 0 {
		r.Recorder.Eventf(d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled up replica set %s from 0 to %d", created.Name, n)
	}
	needsUpdate := setDeploymentRevision(d, newRevision)
	if !alreadyExists && hasProgressDeadline(d) {
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, NewReplicaSetReason, fmt.Sprintf("Created new replica set %q", created.Name)))
		needsUpdate = true
	}
	if needsUpdate {
		if err := r.updateStatus(ctx, d); err != nil {
			return created, err
		}
	}
	return created, nil
}

func withLabel(in map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(in)+1)
	for a, b := range in {
		out[a] = b
	}
	out[k] = v
	return out
}

// syncScale handles scaling events and paused deployments: no rollout,
// only sizes, cleanup and status.
func (r *Reconciler) syncScale(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := r.getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	if err := r.scale(ctx, d, newRS, oldRSs); err != nil {
		return err
	}
	if d.Spec.Paused {
		if err := r.cleanupDeployment(ctx, oldRSs, d); err != nil {
			return err
		}
	}
	return r.syncDeploymentStatus(ctx, append(oldRSs, newRS), newRS, d)
}

func (r *Reconciler) syncStatusOnly(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := r.getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	return r.syncDeploymentStatus(ctx, append(oldRSs, newRS), newRS, d)
}

// scale scales the ReplicaSets of d to its size; during a rollout the
// change is spread across them in proportion to their sizes.
func (r *Reconciler) scale(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) error {
	if rs := findActiveOrLatest(newRS, oldRSs); rs != nil {
		if replicas(rs) == *d.Spec.Replicas {
			return nil
		}
		_, _, err := r.scaleReplicaSet(ctx, rs, *d.Spec.Replicas, d, false)
		return err
	}
	if isSaturated(d, newRS) {
		for _, old := range activeReplicaSets(oldRSs) {
			if _, _, err := r.scaleReplicaSet(ctx, old, 0, d, false); err != nil {
				return err
			}
		}
		return nil
	}
	if !isRollingUpdate(d) {
		return nil
	}
	all := activeReplicaSets(append(oldRSs, newRS))
	allReplicas := sumSpec(all)
	allowed := int32(0)
	if *d.Spec.Replicas > 0 {
		allowed = *d.Spec.Replicas + maxSurge(d)
	}
	toAdd := allowed - allReplicas
	switch {
	case toAdd > 0:
		sortBySize(all, true)
	case toAdd < 0:
		sortBySize(all, false)
	}
	added := int32(0)
	sizes := map[string]int32{}
	for _, rs := range all {
		if toAdd != 0 {
			p := proportion(rs, d, toAdd, added)
			sizes[rs.Name] = replicas(rs) + p
			added += p
		} else {
			sizes[rs.Name] = replicas(rs)
		}
	}
	for i, rs := range all {
		if i == 0 && toAdd != 0 {
			sizes[rs.Name] += toAdd - added
			if sizes[rs.Name] < 0 {
				sizes[rs.Name] = 0
			}
		}
		if _, _, err := r.scaleReplicaSet(ctx, rs, sizes[rs.Name], d, true); err != nil {
			return err
		}
	}
	return nil
}

// scaleReplicaSet sets rs's size (and its desired/max-replicas
// annotations when force) and records a ScalingReplicaSet event.
func (r *Reconciler) scaleReplicaSet(ctx context.Context, rs *appsv1.ReplicaSet, newScale int32, d *appsv1.Deployment, force bool) (bool, *appsv1.ReplicaSet, error) {
	if !force && replicas(rs) == newScale {
		return false, rs, nil
	}
	sizeNeedsUpdate := replicas(rs) != newScale
	maxR := *d.Spec.Replicas + maxSurge(d)
	if !sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, *d.Spec.Replicas, maxR) {
		return false, rs, nil
	}
	oldScale := replicas(rs)
	rsCopy := rs.DeepCopy()
	rsCopy.Spec.Replicas = &newScale
	setReplicasAnnotations(rsCopy, *d.Spec.Replicas, maxR)
	if err := r.Client.Update(ctx, rsCopy); err != nil {
		return false, rs, err
	}
	*rs = *rsCopy
	if !sizeNeedsUpdate {
		return false, rs, nil
	}
	op := "down"
	if oldScale < newScale {
		op = "up"
	}
	r.Recorder.Eventf(d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled %s replica set %s from %d to %d", op, rs.Name, oldScale, newScale)
	return true, rs, nil
}

// cleanupDeployment deletes the oldest scaled-down ReplicaSets beyond
// revisionHistoryLimit.
func (r *Reconciler) cleanupDeployment(ctx context.Context, oldRSs []*appsv1.ReplicaSet, d *appsv1.Deployment) error {
	if !hasRevisionHistoryLimit(d) {
		return nil
	}
	var alive []*appsv1.ReplicaSet
	for _, rs := range oldRSs {
		if rs != nil && rs.DeletionTimestamp == nil {
			alive = append(alive, rs)
		}
	}
	diff := int32(len(alive)) - *d.Spec.RevisionHistoryLimit
	if diff <= 0 {
		return nil
	}
	sortByRevision(alive)
	for i := int32(0); i < diff; i++ {
		rs := alive[i]
		if rs.Status.Replicas != 0 || replicas(rs) != 0 || rs.Generation > rs.Status.ObservedGeneration || rs.DeletionTimestamp != nil {
			continue
		}
		if err := r.Client.Delete(ctx, rs); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

func (r *Reconciler) syncDeploymentStatus(ctx context.Context, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) error {
	s := calculateStatus(all, newRS, d)
	if reflect.DeepEqual(d.Status, s) {
		return nil
	}
	d.Status = s
	return r.updateStatus(ctx, d)
}

func calculateStatus(all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) appsv1.DeploymentStatus {
	available := sumAvailable(all)
	unavailable := sumSpec(all) - available
	if unavailable < 0 {
		unavailable = 0
	}
	s := appsv1.DeploymentStatus{
		ObservedGeneration:  d.Generation,
		Replicas:            sumStatus(all),
		UpdatedReplicas:     sumStatus([]*appsv1.ReplicaSet{newRS}),
		ReadyReplicas:       sumReady(all),
		AvailableReplicas:   available,
		UnavailableReplicas: unavailable,
		CollisionCount:      d.Status.CollisionCount,
		TerminatingReplicas: sumTerminating(all),
	}
	s.Conditions = append(s.Conditions, d.Status.Conditions...)
	if available >= *d.Spec.Replicas-maxUnavailable(d) {
		setCondition(&s, newCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue, MinimumReplicasAvailable, "Deployment has minimum availability."))
	} else {
		setCondition(&s, newCondition(appsv1.DeploymentAvailable, corev1.ConditionFalse, MinimumReplicasUnavailable, "Deployment does not have minimum availability."))
	}
	return s
}
