// Package persistentvolumeclaimresize is kube-apiserver's
// PersistentVolumeClaimResize admission plugin: a claim's storage request may
// grow only when it is bound and its StorageClass allows volume expansion.
package persistentvolumeclaimresize

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/client-go/informers"
	storagev1listers "k8s.io/client-go/listers/storage/v1"

	skiffadmission "github.com/skiff-k8s/skiff/admission"
)

// PluginName is upstream's plugin name.
const PluginName = "PersistentVolumeClaimResize"

const betaClassAnnotation = "volume.beta.kubernetes.io/storage-class"

func init() {
	skiffadmission.Register(skiffadmission.Plugin{Name: PluginName, New: func(io.Reader) (admission.Interface, error) {
		return &Plugin{Handler: admission.NewHandler(admission.Update)}, nil
	}})
}

// Plugin checks claim expansions.
type Plugin struct {
	*admission.Handler
	lister storagev1listers.StorageClassLister
}

var (
	_ admission.ValidationInterface                = &Plugin{}
	_ initializer.WantsExternalKubeInformerFactory = &Plugin{}
)

// SetExternalKubeInformerFactory implements initializer.WantsExternalKubeInformerFactory.
func (p *Plugin) SetExternalKubeInformerFactory(f informers.SharedInformerFactory) {
	inf := f.Storage().V1().StorageClasses()
	p.lister = inf.Lister()
	p.SetReadyFunc(inf.Informer().HasSynced)
}

// ValidateInitialization implements admission.InitializationValidator.
func (p *Plugin) ValidateInitialization() error {
	if p.lister == nil {
		return fmt.Errorf("missing storageclass lister")
	}
	return nil
}

// Validate rejects expansions that cannot happen.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	if a.GetResource().GroupResource() != corev1.Resource("persistentvolumeclaims") || a.GetSubresource() != "" {
		return nil
	}
	pvc, ok := a.GetObject().(*corev1.PersistentVolumeClaim)
	if !ok {
		return nil
	}
	old, ok := a.GetOldObject().(*corev1.PersistentVolumeClaim)
	if !ok {
		return nil
	}
	oldSize := old.Spec.Resources.Requests[corev1.ResourceStorage]
	newSize := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if newSize.Cmp(oldSize) <= 0 {
		return nil
	}
	if old.Status.Phase != corev1.ClaimBound {
		return admission.NewForbidden(a, fmt.Errorf("Only bound persistent volume claims can be expanded"))
	}
	if !p.allowResize(pvc, old) {
		return admission.NewForbidden(a, fmt.Errorf("only dynamically provisioned pvc can be resized and "+
			"the storageclass that provisions the pvc must support resize"))
	}
	return nil
}

func (p *Plugin) allowResize(pvc, old *corev1.PersistentVolumeClaim) bool {
	class, oldClass := claimClass(pvc), claimClass(old)
	if class == "" || oldClass == "" || class != oldClass {
		return false
	}
	sc, err := p.lister.Get(class)
	if err != nil {
		return false
	}
	return sc.AllowVolumeExpansion != nil && *sc.AllowVolumeExpansion
}

// claimClass is upstream's GetPersistentVolumeClaimClass: the beta
// annotation first, then spec.storageClassName.
func claimClass(pvc *corev1.PersistentVolumeClaim) string {
	if c, found := pvc.Annotations[betaClassAnnotation]; found {
		return c
	}
	if pvc.Spec.StorageClassName != nil {
		return *pvc.Spec.StorageClassName
	}
	return ""
}
