// Package namespace finishes namespace deletion: once a namespace is
// Terminating it deletes every namespaced object in it, removes the
// "kubernetes" finalizer through namespaces/finalize and deletes the
// namespace again, which removes it for good (upstream's namespace
// controller does the same).
package namespace

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// Reconciler empties and removes terminating namespaces.
type Reconciler struct {
	Client    client.Client
	Kube      kubernetes.Interface
	Metadata  metadata.Interface
	Discovery discovery.DiscoveryInterface
}

// SetupWithManager registers the reconciler for namespaces being deleted.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("namespace").
		For(&corev1.Namespace{}, builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
			return o.GetDeletionTimestamp() != nil
		}))).
		Complete(r)
}

// Reconcile deletes a terminating namespace's content, then the namespace.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ns := &corev1.Namespace{}
	if err := r.Client.Get(ctx, req.NamespacedName, ns); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if ns.DeletionTimestamp == nil {
		return ctrl.Result{}, nil
	}
	if hasFinalizer(ns) {
		remaining, err := r.deleteContent(ctx, ns.Name)
		if err != nil {
			return ctrl.Result{}, err
		}
		if remaining > 0 {
			return ctrl.Result{RequeueAfter: 200 * time.Millisecond}, nil
		}
		ns.Spec.Finalizers = withoutKubernetes(ns.Spec.Finalizers)
		if _, err := r.Kube.CoreV1().Namespaces().Finalize(ctx, ns, metav1.UpdateOptions{}); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	err := r.Kube.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &ns.UID}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, nil
}

// deleteContent deletes every namespaced object in ns and returns how many
// were still present.
func (r *Reconciler) deleteContent(ctx context.Context, ns string) (int, error) {
	lists, err := r.Discovery.ServerPreferredNamespacedResources()
	if err != nil && len(lists) == 0 {
		return 0, fmt.Errorf("discovering namespaced resources: %w", err)
	}
	remaining := 0
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			continue
		}
		for _, res := range list.APIResources {
			if !has(res.Verbs, "list") || !has(res.Verbs, "delete") {
				continue
			}
			c := r.Metadata.Resource(gv.WithResource(res.Name)).Namespace(ns)
			if has(res.Verbs, "deletecollection") {
				if err := c.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil && !apierrors.IsNotFound(err) {
					return 0, err
				}
			}
			items, err := c.List(ctx, metav1.ListOptions{})
			if err != nil {
				if apierrors.IsNotFound(err) {
					continue
				}
				return 0, err
			}
			for _, item := range items.Items {
				remaining++
				if item.DeletionTimestamp == nil {
					if err := c.Delete(ctx, item.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
						return 0, err
					}
				}
			}
		}
	}
	return remaining, nil
}

func hasFinalizer(ns *corev1.Namespace) bool {
	for _, f := range ns.Spec.Finalizers {
		if f == corev1.FinalizerKubernetes {
			return true
		}
	}
	return false
}

func withoutKubernetes(in []corev1.FinalizerName) []corev1.FinalizerName {
	out := make([]corev1.FinalizerName, 0, len(in))
	for _, f := range in {
		if f != corev1.FinalizerKubernetes {
			out = append(out, f)
		}
	}
	return out
}

func has(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
