// Package rootcacert publishes the cluster CA as the ConfigMap
// kube-root-ca.crt in every namespace, so pods can verify the API server,
// and puts it back if it is changed or deleted (upstream's root-ca-cert-publisher).
package rootcacert

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
)

const (
	// Name is the ConfigMap's name and DataKey its key, as upstream.
	Name    = "kube-root-ca.crt"
	DataKey = "ca.crt"
	// DescriptionAnnotation is what upstream writes on the ConfigMap.
	DescriptionAnnotation = "kubernetes.io/description"
	description           = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."
)

// Reconciler keeps kube-root-ca.crt in every namespace equal to CA.
type Reconciler struct {
	Client client.Client
	CA     []byte
}

// SetupWithManager watches namespaces and the ConfigMaps it owns.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("root-ca-cert-publisher").
		For(&corev1.Namespace{}).
		Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []ctrl.Request {
			if o.GetName() != Name {
				return nil
			}
			return []ctrl.Request{{NamespacedName: client.ObjectKey{Name: o.GetNamespace()}}}
		})).
		Complete(r)
}

// Reconcile creates or repairs the namespace's kube-root-ca.crt.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ns := &corev1.Namespace{}
	if err := r.Client.Get(ctx, req.NamespacedName, ns); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if ns.Status.Phase != corev1.NamespaceActive || ns.DeletionTimestamp != nil {
		return ctrl.Result{}, nil
	}
	cm := &corev1.ConfigMap{}
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: Name}, cm)
	if apierrors.IsNotFound(err) {
		err = r.Client.Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: Name, Annotations: map[string]string{DescriptionAnnotation: description}},
			Data:       map[string]string{DataKey: string(r.CA)},
		})
		if apierrors.IsAlreadyExists(err) || apierrors.IsForbidden(err) {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	if cm.Data[DataKey] == string(r.CA) && cm.Annotations[DescriptionAnnotation] == description && len(cm.Data) == 1 {
		return ctrl.Result{}, nil
	}
	cm.Data = map[string]string{DataKey: string(r.CA)}
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	cm.Annotations[DescriptionAnnotation] = description
	return ctrl.Result{}, client.IgnoreNotFound(r.Client.Update(ctx, cm))
}
