// Package storageprotection removes the protection finalizers that the
// StorageObjectInUseProtection admission plugin adds, as
// kube-controller-manager's pvc-protection, pv-protection and
// vac-protection controllers do, once the object being deleted is no longer
// in use:
//   - a PersistentVolumeClaim when no scheduled pod uses it (an ephemeral
//     volume's claim when its pod is shut down);
//   - a PersistentVolume when it is not Bound;
//   - a VolumeAttributesClass when no claim or volume refers to it.
package storageprotection

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// The finalizers, as the admission plugin's.
const (
	PVCFinalizer = "kubernetes.io/pvc-protection"
	PVFinalizer  = "kubernetes.io/pv-protection"
	VACFinalizer = "kubernetes.io/vac-protection"
)

// Reconciler runs the three protection controllers.
type Reconciler struct {
	Client client.Client
	// Reader reads without cache (the manager's API reader by default).
	Reader client.Reader
}

// SetupWithManager registers the controllers.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Reader == nil {
		r.Reader = mgr.GetAPIReader()
	}
	if err := storagev1.AddToScheme(mgr.GetScheme()); err != nil {
		return err
	}
	deleting := builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetDeletionTimestamp() != nil
	}))
	if err := ctrl.NewControllerManagedBy(mgr).Named("pvc-protection").
		For(&corev1.PersistentVolumeClaim{}, deleting).
		// A pod that goes away or finishes may free its claims.
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(podClaims)).
		Complete(reconcile.Func(r.reconcilePVC)); err != nil {
		return err
	}
	if err := ctrl.NewControllerManagedBy(mgr).Named("pv-protection").
		For(&corev1.PersistentVolume{}, deleting).
		Complete(reconcile.Func(r.reconcilePV)); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).Named("vac-protection").
		For(&storagev1.VolumeAttributesClass{}, deleting).
		Watches(&corev1.PersistentVolumeClaim{}, handler.EnqueueRequestsFromMapFunc(claimClasses)).
		Watches(&corev1.PersistentVolume{}, handler.EnqueueRequestsFromMapFunc(volumeClasses)).
		Complete(reconcile.Func(r.reconcileVAC))
}

func podClaims(_ context.Context, o client.Object) []reconcile.Request {
	pod, ok := o.(*corev1.Pod)
	if !ok {
		return nil
	}
	var out []reconcile.Request
	for _, v := range pod.Spec.Volumes {
		name := ""
		switch {
		case v.PersistentVolumeClaim != nil:
			name = v.PersistentVolumeClaim.ClaimName
		case v.Ephemeral != nil:
			name = pod.Name + "-" + v.Name
		default:
			continue
		}
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: pod.Namespace, Name: name}})
	}
	return out
}

func claimClasses(_ context.Context, o client.Object) []reconcile.Request {
	pvc, ok := o.(*corev1.PersistentVolumeClaim)
	if !ok {
		return nil
	}
	return requests(claimVACs(pvc))
}

func volumeClasses(_ context.Context, o client.Object) []reconcile.Request {
	pv, ok := o.(*corev1.PersistentVolume)
	if !ok || pv.Spec.VolumeAttributesClassName == nil {
		return nil
	}
	return requests([]string{*pv.Spec.VolumeAttributesClassName})
}

func requests(names []string) []reconcile.Request {
	out := make([]reconcile.Request, 0, len(names))
	for _, n := range names {
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: n}})
	}
	return out
}

func claimVACs(pvc *corev1.PersistentVolumeClaim) []string {
	var names []string
	if pvc.Spec.VolumeAttributesClassName != nil {
		names = append(names, *pvc.Spec.VolumeAttributesClassName)
	}
	if pvc.Status.CurrentVolumeAttributesClassName != nil {
		names = append(names, *pvc.Status.CurrentVolumeAttributesClassName)
	}
	if s := pvc.Status.ModifyVolumeStatus; s != nil && s.TargetVolumeAttributesClassName != "" {
		names = append(names, s.TargetVolumeAttributesClassName)
	}
	return names
}

// removeFinalizer drops f from o with a patch.
func (r *Reconciler) removeFinalizer(ctx context.Context, o client.Object, f string) error {
	if !controllerutil.ContainsFinalizer(o, f) {
		return nil
	}
	base := o.DeepCopyObject().(client.Object)
	controllerutil.RemoveFinalizer(o, f)
	err := r.Client.Patch(ctx, o, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}))
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func (r *Reconciler) reconcilePVC(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	var pvc corev1.PersistentVolumeClaim
	if err := r.Client.Get(ctx, req.NamespacedName, &pvc); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if pvc.DeletionTimestamp == nil || !controllerutil.ContainsFinalizer(&pvc, PVCFinalizer) {
		return reconcile.Result{}, nil
	}
	// Ask the API server, not the cache, as upstream does before removing.
	var pods corev1.PodList
	if err := r.Reader.List(ctx, &pods, client.InNamespace(pvc.Namespace)); err != nil {
		return reconcile.Result{}, err
	}
	for i := range pods.Items {
		if podUsesPVC(&pods.Items[i], &pvc) {
			return reconcile.Result{}, nil
		}
	}
	return reconcile.Result{}, r.removeFinalizer(ctx, &pvc, PVCFinalizer)
}

// podUsesPVC is upstream's podUsesPVCForDeletion: only scheduled pods count,
// since a kubelet will not start a pod whose claim is being deleted.
func podUsesPVC(pod *corev1.Pod, pvc *corev1.PersistentVolumeClaim) bool {
	if pod.Spec.NodeName == "" {
		return false
	}
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == pvc.Name {
			return true
		}
		if v.Ephemeral != nil && !podIsShutDown(pod) && pod.Name+"-"+v.Name == pvc.Name && metav1IsControlledBy(pvc, pod) {
			return true
		}
	}
	return false
}

func metav1IsControlledBy(pvc *corev1.PersistentVolumeClaim, pod *corev1.Pod) bool {
	for _, ref := range pvc.OwnerReferences {
		if ref.Controller != nil && *ref.Controller && ref.UID == pod.UID {
			return true
		}
	}
	return false
}

// podIsShutDown: the kubelet is done with the pod, or it was force-deleted.
func podIsShutDown(pod *corev1.Pod) bool {
	if pod.DeletionTimestamp != nil && pod.DeletionGracePeriodSeconds != nil && *pod.DeletionGracePeriodSeconds == 0 {
		return true
	}
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

func (r *Reconciler) reconcilePV(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	var pv corev1.PersistentVolume
	if err := r.Client.Get(ctx, req.NamespacedName, &pv); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if pv.DeletionTimestamp == nil || pv.Status.Phase == corev1.VolumeBound {
		return reconcile.Result{}, nil
	}
	return reconcile.Result{}, r.removeFinalizer(ctx, &pv, PVFinalizer)
}

func (r *Reconciler) reconcileVAC(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	var vac storagev1.VolumeAttributesClass
	if err := r.Client.Get(ctx, req.NamespacedName, &vac); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if vac.DeletionTimestamp == nil || !controllerutil.ContainsFinalizer(&vac, VACFinalizer) {
		return reconcile.Result{}, nil
	}
	var pvcs corev1.PersistentVolumeClaimList
	if err := r.Reader.List(ctx, &pvcs); err != nil {
		return reconcile.Result{}, err
	}
	for i := range pvcs.Items {
		for _, n := range claimVACs(&pvcs.Items[i]) {
			if n == vac.Name {
				return reconcile.Result{}, nil
			}
		}
	}
	var pvs corev1.PersistentVolumeList
	if err := r.Reader.List(ctx, &pvs); err != nil {
		return reconcile.Result{}, err
	}
	for _, pv := range pvs.Items {
		if pv.Spec.VolumeAttributesClassName != nil && *pv.Spec.VolumeAttributesClassName == vac.Name {
			return reconcile.Result{}, nil
		}
	}
	return reconcile.Result{}, r.removeFinalizer(ctx, &vac, VACFinalizer)
}
