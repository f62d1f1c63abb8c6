// Package replicaset keeps the number of pods of each ReplicaSet (and of
// each ReplicationController, see Kind) at its spec.replicas and reports
// them in its status, as upstream's ReplicaSet controller does: it adopts
// matching orphans, releases pods that stop matching, creates pods in
// slow-start batches, deletes the pods earliest in their life first, and
// tracks its own pending creates and deletes so a lagging cache never
// makes it act twice.
package replicaset

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
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

// BurstReplicas caps the pods created or deleted in one sync (upstream's
// default --concurrent-replicaset-syncs burst).
const BurstReplicas = 500

// Reconciler manages the pods of ReplicaSets, or of another Kind.
type Reconciler struct {
	// Kind is what it manages; ReplicaSets when nil.
	Kind   Kind
	Client client.Client
	// APIReader reads live from the API server (adoption checks).
	APIReader client.Reader
	Recorder  record.EventRecorder

	exp *workload.Expectations
}

// SetupWithManager watches ReplicaSets and pods.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.exp = workload.NewExpectations()
	if r.Kind == nil {
		r.Kind = ReplicaSets{}
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorderFor(r.Kind.EventSource())
	}
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	if err := workload.IndexControllerUID(mgr, &corev1.Pod{}); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named(r.Kind.Name()).
		For(r.Kind.New()).
		Watches(&corev1.Pod{}, handler.Funcs{
			CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				r.podAdded(ctx, e.Object.(*corev1.Pod), q)
			},
			UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				r.podUpdated(ctx, e.ObjectOld.(*corev1.Pod), e.ObjectNew.(*corev1.Pod), q)
			},
			DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				if p, ok := e.Object.(*corev1.Pod); ok {
					r.podDeleted(p, q)
				}
			},
		}).
		Complete(r)
}

// owner returns the request of the object of r's kind controlling pod, if any.
func (r *Reconciler) owner(p *corev1.Pod) (reconcile.Request, bool) {
	ref := metav1.GetControllerOfNoCopy(p)
	gvk := r.Kind.GVK()
	if ref == nil || ref.Kind != gvk.Kind || ref.APIVersion != gvk.GroupVersion().String() {
		return reconcile.Request{}, false
	}
	return reconcile.Request{NamespacedName: types.NamespacedName{Namespace: p.Namespace, Name: ref.Name}}, true
}

func (r *Reconciler) podAdded(ctx context.Context, p *corev1.Pod, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	if p.DeletionTimestamp != nil {
		r.podDeleted(p, q)
		return
	}
	if req, ok := r.owner(p); ok {
		r.exp.CreationObserved(req.String())
		q.Add(req)
		return
	}
	if metav1.GetControllerOfNoCopy(p) == nil {
		r.enqueueMatching(ctx, p, q)
	}
}

func (r *Reconciler) podUpdated(ctx context.Context, old, cur *corev1.Pod, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	if cur.ResourceVersion == old.ResourceVersion {
		return
	}
	labelsChanged := !reflect.DeepEqual(old.Labels, cur.Labels)
	if cur.DeletionTimestamp != nil {
		r.podDeleted(cur, q)
		if labelsChanged {
			r.podDeleted(old, q)
		}
		return
	}
	oldRef, curRef := metav1.GetControllerOfNoCopy(old), metav1.GetControllerOfNoCopy(cur)
	refChanged := !reflect.DeepEqual(oldRef, curRef)
	if refChanged && oldRef != nil {
		if req, ok := r.owner(old); ok {
			q.Add(req)
		}
	}
	if req, ok := r.owner(cur); ok {
		q.Add(req)
		return
	}
	if curRef == nil && (labelsChanged || refChanged) {
		r.enqueueMatching(ctx, cur, q)
	}
}

func (r *Reconciler) podDeleted(p *corev1.Pod, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	if req, ok := r.owner(p); ok {
		r.exp.DeletionObserved(req.String(), workload.PodKey(p))
		q.Add(req)
	}
}

// enqueueMatching enqueues the objects whose selector matches an
// orphan pod, so one of them adopts it.
func (r *Reconciler) enqueueMatching(ctx context.Context, p *corev1.Pod, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	list, err := r.Kind.List(ctx, r.Client, p.Namespace)
	if err != nil {
		return
	}
	for _, rs := range list {
		sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		q.Add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(rs)})
	}
}

// Reconcile syncs one object, read as a ReplicaSet.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	key := req.String()
	obj := r.Kind.New()
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			r.exp.Delete(key)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	rs := r.Kind.AsReplicaSet(obj)
	needsSync := r.exp.Satisfied(key)
	selector, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		return ctrl.Result{}, nil
	}
	all, err := r.podsOf(ctx, rs)
	if err != nil {
		return ctrl.Result{}, err
	}
	var activeAll, terminating []*corev1.Pod
	for _, p := range all {
		switch {
		case workload.IsPodActive(p):
			activeAll = append(activeAll, p)
		case workload.IsPodTerminating(p):
			if ref := metav1.GetControllerOfNoCopy(p); ref != nil && ref.UID == rs.UID && selector.Matches(labels.Set(p.Labels)) {
				terminating = append(terminating, p)
			}
		}
	}
	claimer := &workload.Claimer{
		Client: r.Client, Owner: rs, OwnerGVK: r.Kind.GVK(), Selector: selector,
		CanAdopt: workload.CanAdoptFunc(rs, func(ctx context.Context) (metav1.Object, error) {
			fresh := r.Kind.New()
			return fresh, r.APIReader.Get(ctx, req.NamespacedName, fresh)
		}),
	}
	active, err := workload.Claim(ctx, claimer, activeAll)
	if err != nil {
		return ctrl.Result{}, err
	}
	var manageErr error
	if needsSync && rs.DeletionTimestamp == nil {
		manageErr = r.manageReplicas(ctx, key, active, rs, obj)
	}
	now := time.Now()
	status := CalculateStatus(rs, active, terminating, manageErr, now)
	updated, err := r.updateStatus(ctx, obj, rs, status)
	if err != nil {
		return ctrl.Result{}, err
	}
	if manageErr != nil {
		return ctrl.Result{}, manageErr
	}
	if updated.Spec.MinReadySeconds > 0 && updated.Status.ReadyReplicas != updated.Status.AvailableReplicas {
		after := time.Duration(updated.Spec.MinReadySeconds) * time.Second
		if next := workload.NextAvailabilityCheck(active, updated.Spec.MinReadySeconds, now); next != nil {
			after = *next
		}
		return ctrl.Result{RequeueAfter: after}, nil
	}
	return ctrl.Result{}, nil
}

// podsOf lists the pods rs controls and the orphans of its namespace.
func (r *Reconciler) podsOf(ctx context.Context, rs *appsv1.ReplicaSet) ([]*corev1.Pod, error) {
	var out []*corev1.Pod
	for _, uid := range []string{string(rs.UID), ""} {
		list := &corev1.PodList{}
		if err := r.Client.List(ctx, list, client.InNamespace(rs.Namespace), client.MatchingFields{workload.ControllerUIDIndex: uid}); err != nil {
			return nil, err
		}
		for i := range list.Items {
			out = append(out, &list.Items[i])
		}
	}
	return out, nil
}

// manageReplicas creates or deletes pods so active matches spec.replicas.
// Events go to obj, the object as stored.
func (r *Reconciler) manageReplicas(ctx context.Context, key string, active []*corev1.Pod, rs *appsv1.ReplicaSet, obj client.Object) error {
	diff := len(active) - int(ptr.Deref(rs.Spec.Replicas, 1))
	switch {
	case diff < 0:
		n := min(-diff, BurstReplicas)
		r.exp.ExpectCreations(key, n)
		ok, err := SlowStartBatch(n, 1, func() error {
			err := r.createPod(ctx, rs, obj)
			if err != nil && apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
				return nil
			}
			return err
		})
		for i := 0; i < n-ok; i++ {
			r.exp.CreationObserved(key)
		}
		return err
	case diff > 0:
		n := min(diff, BurstReplicas)
		victims := workload.PodsToDelete(active, active, n)
		keys := make([]string, len(victims))
		for i, p := range victims {
			keys[i] = workload.PodKey(p)
		}
		r.exp.ExpectDeletions(key, keys)
		var wg sync.WaitGroup
		errs := make(chan error, len(victims))
		for _, p := range victims {
			wg.Add(1)
			go func(p *corev1.Pod) {
				defer wg.Done()
				if err := r.Client.Delete(ctx, p); err != nil {
					r.exp.DeletionObserved(key, workload.PodKey(p))
					if !apierrors.IsNotFound(err) {
						r.Recorder.Eventf(obj, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
						errs <- err
					}
					return
				}
				r.Recorder.Eventf(obj, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %v", p.Name)
			}(p)
		}
		wg.Wait()
		select {
		case err := <-errs:
			return err
		default:
		}
	}
	return nil
}

// createPod creates one pod from rs's template, controlled by rs.
func (r *Reconciler) createPod(ctx context.Context, rs *appsv1.ReplicaSet, obj client.Object) error {
	pod := workload.PodFromTemplate(&rs.Spec.Template, rs, r.Kind.GVK())
	pod.Namespace = rs.Namespace
	if len(pod.Labels) == 0 {
		return fmt.Errorf("unable to create pods, no labels")
	}
	if err := r.Client.Create(ctx, pod); err != nil {
		if !apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			r.Recorder.Eventf(obj, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		}
		return err
	}
	r.Recorder.Eventf(obj, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %v", pod.Name)
	return nil
}

// SlowStartBatch calls fn count times in batches that start at initial
// and double after each fully successful batch; it stops at the first
// batch with an error and returns how many calls succeeded.
func SlowStartBatch(count, initial int, fn func() error) (int, error) {
	remaining := count
	successes := 0
	for batch := min(remaining, initial); batch > 0; batch = min(2*batch, remaining) {
		errs := make(chan error, batch)
		var wg sync.WaitGroup
		wg.Add(batch)
		for i := 0; i < batch; i++ {
			go func() {
				defer wg.Done()
				if err := fn(); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		successes += batch - len(errs)
		if len(errs) > 0 {
			return successes, <-errs
		}
		remaining -= batch
	}
	return successes, nil
}

// CalculateStatus is rs's status for its active and terminating pods.
func CalculateStatus(rs *appsv1.ReplicaSet, active, terminating []*corev1.Pod, manageErr error, now time.Time) appsv1.ReplicaSetStatus {
	status := *rs.Status.DeepCopy()
	var labeled, ready, available int32
	tmpl := labels.SelectorFromSet(rs.Spec.Template.Labels)
	for _, p := range active {
		if tmpl.Matches(labels.Set(p.Labels)) {
			labeled++
		}
		if workload.IsPodReady(p) {
			ready++
			if workload.IsPodAvailable(p, rs.Spec.MinReadySeconds, now) {
				available++
			}
		}
	}
	failure := getCondition(rs.Status, appsv1.ReplicaSetReplicaFailure)
	if manageErr != nil && failure == nil {
		reason := ""
		if diff := len(active) - int(ptr.Deref(rs.Spec.Replicas, 1)); diff < 0 {
			reason = "FailedCreate"
		} else if diff > 0 {
			reason = "FailedDelete"
		}
		status.Conditions = append(withoutCondition(status.Conditions, appsv1.ReplicaSetReplicaFailure), appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(now),
			Reason: reason, Message: manageErr.Error(),
		})
	} else if manageErr == nil && failure != nil {
		status.Conditions = withoutCondition(status.Conditions, appsv1.ReplicaSetReplicaFailure)
	}
	status.Replicas = int32(len(active))
	status.FullyLabeledReplicas = labeled
	status.ReadyReplicas = ready
	status.AvailableReplicas = available
	status.TerminatingReplicas = ptr.To(int32(len(terminating)))
	return status
}

func getCondition(s appsv1.ReplicaSetStatus, t appsv1.ReplicaSetConditionType) *appsv1.ReplicaSetCondition {
	for i := range s.Conditions {
		if s.Conditions[i].Type == t {
			return &s.Conditions[i]
		}
	}
	return nil
}

func withoutCondition(in []appsv1.ReplicaSetCondition, t appsv1.ReplicaSetConditionType) []appsv1.ReplicaSetCondition {
	var out []appsv1.ReplicaSetCondition
	for _, c := range in {
		if c.Type != t {
			out = append(out, c)
		}
	}
	return out
}

// updateStatus writes status into obj unless nothing changed, retrying on
// conflicts with a fresh read; it returns the object as a ReplicaSet.
// rs is obj as a ReplicaSet.
func (r *Reconciler) updateStatus(ctx context.Context, obj client.Object, rs *appsv1.ReplicaSet, status appsv1.ReplicaSetStatus) (*appsv1.ReplicaSet, error) {
	status = r.Kind.FitStatus(status)
	if rs.Status.Replicas == status.Replicas && rs.Status.FullyLabeledReplicas == status.FullyLabeledReplicas &&
		rs.Status.ReadyReplicas == status.ReadyReplicas && rs.Status.AvailableReplicas == status.AvailableReplicas &&
		ptr.Equal(rs.Status.TerminatingReplicas, status.TerminatingReplicas) &&
		rs.Generation == rs.Status.ObservedGeneration && reflect.DeepEqual(rs.Status.Conditions, status.Conditions) {
		return rs, nil
	}
	status.ObservedGeneration = rs.Generation
	var err error
	for i := 0; ; i++ {
		r.Kind.SetStatus(obj, status)
		if err = r.Client.Status().Update(ctx, obj); err == nil {
			return r.Kind.AsReplicaSet(obj), nil
		}
		if i >= 1 || !apierrors.IsConflict(err) {
			return nil, err
		}
		fresh := r.Kind.New()
		if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(obj), fresh); err != nil {
			return nil, err
		}
		obj = fresh
		status.ObservedGeneration = obj.GetGeneration()
	}
}
