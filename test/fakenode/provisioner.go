package fakenode

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// StartProvisioner plays a volume provisioner and the PV controller for
// tests whose pods have claims (StatefulSet claim templates): every
// pending claim gets a new hostPath PersistentVolume of its size, and
// both are marked Bound, so the scheduler's VolumeBinding lets its pods
// through, as on a cluster with a default provisioner.
func StartProvisioner(ctx context.Context, c kubernetes.Interface) error {
	f := informers.NewSharedInformerFactory(c, 0)
	inf := f.Core().V1().PersistentVolumeClaims().Informer()
	bind := func(obj interface{}) {
		pvc, ok := obj.(*corev1.PersistentVolumeClaim)
		if !ok || pvc.Spec.VolumeName != "" || pvc.DeletionTimestamp != nil {
			return
		}
		go func() {
			if err := provision(ctx, c, pvc); err != nil && ctx.Err() == nil {
				fmt.Printf("fake provisioner: %s/%s: %v\n", pvc.Namespace, pvc.Name, err)
			}
		}()
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: bind, UpdateFunc: func(_, o interface{}) { bind(o) }})
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("fake provisioner: claim cache did not sync")
	}
	return nil
}

func provision(ctx context.Context, c kubernetes.Interface, pvc *corev1.PersistentVolumeClaim) error {
	name := "pvc-" + string(pvc.UID)
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{"pv.kubernetes.io/provisioned-by": "fakenode"}},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: pvc.Spec.Resources.Requests[corev1.ResourceStorage]},
			AccessModes:                   pvc.Spec.AccessModes,
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/fakenode/" + name}},
			ClaimRef:                      &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID},
		},
	}
	if pvc.Spec.StorageClassName != nil {
		pv.Spec.StorageClassName = *pvc.Spec.StorageClassName
	}
	created, err := c.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		return err
	}
	created.Status.Phase = corev1.VolumeBound
	if _, err := c.CoreV1().PersistentVolumes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return err
	}
	for {
		cur, err := c.CoreV1().PersistentVolumeClaims(pvc.Namespace).Get(ctx, pvc.Name, metav1.GetOptions{})
		if err != nil {
			return client404(err)
		}
		cur.Spec.VolumeName = name
		metav1.SetMetaDataAnnotation(&cur.ObjectMeta, "pv.kubernetes.io/bind-completed", "yes")
		metav1.SetMetaDataAnnotation(&cur.ObjectMeta, "pv.kubernetes.io/bound-by-controller", "yes")
		updated, err := c.CoreV1().PersistentVolumeClaims(pvc.Namespace).Update(ctx, cur, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			continue
		}
		if err != nil {
			return client404(err)
		}
		updated.Status.Phase = corev1.ClaimBound
		updated.Status.AccessModes = pv.Spec.AccessModes
		updated.Status.Capacity = pv.Spec.Capacity
		_, err = c.CoreV1().PersistentVolumeClaims(pvc.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			continue
		}
		return client404(err)
	}
}

// client404 ignores a claim deleted meanwhile.
func client404(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
