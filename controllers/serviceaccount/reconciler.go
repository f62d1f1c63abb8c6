// Package serviceaccount makes sure every active namespace has a "default"
// ServiceAccount, recreating it if it is deleted, as upstream's
// serviceaccount controller does.
package serviceaccount

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
)

// Name is the ServiceAccount every namespace gets.
const Name = "default"

// Reconciler creates the default ServiceAccount of each namespace.
type Reconciler struct {
	Client client.Client
}

// SetupWithManager watches namespaces, and ServiceAccounts so a deleted
// default one comes back.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("serviceaccount").
		For(&corev1.Namespace{}).
		Watches(&corev1.ServiceAccount{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []ctrl.Request {
			if o.GetName() != Name {
				return nil
			}
			return []ctrl.Request{{NamespacedName: client.ObjectKey{Name: o.GetNamespace()}}}
		})).
		Complete(r)
}

// Reconcile creates the namespace's default ServiceAccount if it is missing.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ns := &corev1.Namespace{}
	if err := r.Client.Get(ctx, req.NamespacedName, ns); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if ns.Status.Phase != corev1.NamespaceActive || ns.DeletionTimestamp != nil {
		return ctrl.Result{}, nil
	}
	sa := &corev1.ServiceAccount{}
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: Name}, sa)
	if !apierrors.IsNotFound(err) {
		return ctrl.Result{}, err
	}
	err = r.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: Name}})
	if apierrors.IsAlreadyExists(err) || apierrors.IsForbidden(err) {
		// Forbidden: the namespace began terminating meanwhile.
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, err
}
