// Package ttlafterfinished deletes finished Jobs once their
// spec.ttlSecondsAfterFinished has passed, as kube-controller-manager's
// ttl-after-finished controller does (foreground deletion, so the pods go
// first; the Job is re-read and checked again just before deleting).
package ttlafterfinished

import (
	"context"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// Reconciler deletes expired finished Jobs.
type Reconciler struct {
	Client client.Client
	// Reader reads without cache; the manager's API reader by default.
	Reader client.Reader
	// Now is the clock; time.Now by default.
	Now func() time.Time
}

// SetupWithManager watches Jobs that have a TTL.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Reader == nil {
		r.Reader = mgr.GetAPIReader()
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("ttlafterfinished").
		For(&batchv1.Job{}, builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
			j, ok := o.(*batchv1.Job)
			return ok && j.Spec.TTLSecondsAfterFinished != nil && j.DeletionTimestamp == nil
		}))).
		Complete(r)
}

// Reconcile deletes the Job if it expired, or waits until it does.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	j := &batchv1.Job{}
	if err := r.Client.Get(ctx, req.NamespacedName, j); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if left, expired := r.timeLeft(j); !expired {
		return ctrl.Result{RequeueAfter: left}, nil
	}
	// The cache may be stale: check the TTL on a fresh copy.
	fresh := &batchv1.Job{}
	if err := r.Reader.Get(ctx, req.NamespacedName, fresh); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if left, expired := r.timeLeft(fresh); !expired {
		return ctrl.Result{RequeueAfter: left}, nil
	}
	err := r.Client.Delete(ctx, fresh, client.PropagationPolicy(metav1.DeletePropagationForeground),
		client.Preconditions{UID: &fresh.UID, ResourceVersion: &fresh.ResourceVersion})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, err
}

// timeLeft is how long until the Job expires; 0 with expired false means
// it never does (not finished or no TTL).
func (r *Reconciler) timeLeft(j *batchv1.Job) (time.Duration, bool) {
	if j.Spec.TTLSecondsAfterFinished == nil || j.DeletionTimestamp != nil {
		return 0, false
	}
	var finishAt time.Time
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			finishAt = c.LastTransitionTime.Time
		}
	}
	if finishAt.IsZero() {
		return 0, false
	}
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	left := finishAt.Add(time.Duration(*j.Spec.TTLSecondsAfterFinished) * time.Second).Sub(now)
	if left <= 0 {
		return 0, true
	}
	return left, false
}
