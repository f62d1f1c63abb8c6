// Package storageobjectinuseprotection is kube-apiserver's
// StorageObjectInUseProtection admission plugin: new PersistentVolumes,
// PersistentVolumeClaims and VolumeAttributesClasses get the
// kubernetes.io/pv-protection, kubernetes.io/pvc-protection and
// kubernetes.io/vac-protection finalizers.
package storageobjectinuseprotection

import (
	"context"
	"io"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"

	skiffadmission "github.com/skiff-k8s/skiff/admission"
)

// PluginName is upstream's plugin name.
const PluginName = "StorageObjectInUseProtection"

// The finalizers, as upstream's pkg/volume/util.
const (
	PVProtectionFinalizer  = "kubernetes.io/pv-protection"
	PVCProtectionFinalizer = "kubernetes.io/pvc-protection"
	VACProtectionFinalizer = "kubernetes.io/vac-protection"
)

var finalizers = map[schema.GroupResource]string{
	corev1.Resource("persistentvolumes"):          PVProtectionFinalizer,
	corev1.Resource("persistentvolumeclaims"):     PVCProtectionFinalizer,
	storagev1.Resource("volumeattributesclasses"): VACProtectionFinalizer,
}

func init() {
	skiffadmission.Register(skiffadmission.Plugin{Name: PluginName, New: func(io.Reader) (admission.Interface, error) {
		return &Plugin{Handler: admission.NewHandler(admission.Create)}, nil
	}})
}

// Plugin adds the protection finalizers.
type Plugin struct {
	*admission.Handler
}

var _ admission.MutationInterface = &Plugin{}

// Admit adds the finalizer of the object's resource if it is missing.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	finalizer, ok := finalizers[a.GetResource().GroupResource()]
	if !ok || a.GetSubresource() != "" {
		return nil
	}
	switch a.GetObject().(type) {
	case *corev1.PersistentVolume, *corev1.PersistentVolumeClaim, *storagev1.VolumeAttributesClass:
	default:
		return nil
	}
	obj, err := meta.Accessor(a.GetObject())
	if err != nil {
		return nil
	}
	for _, f := range obj.GetFinalizers() {
		if f == finalizer {
			return nil
		}
	}
	obj.SetFinalizers(append(obj.GetFinalizers(), finalizer))
	return nil
}
