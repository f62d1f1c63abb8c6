// Package defaultstorageclass is kube-apiserver's DefaultStorageClass
// admission plugin: a PersistentVolumeClaim created without a storage class
// gets the default StorageClass (annotation
// storageclass.kubernetes.io/is-default-class=true; the newest one wins).
package defaultstorageclass

import (
	"context"
	"fmt"
	"io"
	"sort"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/client-go/informers"
	storagev1listers "k8s.io/client-go/listers/storage/v1"

	skiffadmission "github.com/skiff-k8s/skiff/admission"
)

// PluginName is upstream's plugin name.
const PluginName = "DefaultStorageClass"

const (
	isDefaultAnnotation     = "storageclass.kubernetes.io/is-default-class"
	betaIsDefaultAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
	betaClassAnnotation     = "volume.beta.kubernetes.io/storage-class"
)

func init() {
	skiffadmission.Register(skiffadmission.Plugin{Name: PluginName, New: func(io.Reader) (admission.Interface, error) {
		return &Plugin{Handler: admission.NewHandler(admission.Create)}, nil
	}})
}

// Plugin defaults claims' storage classes.
type Plugin struct {
	*admission.Handler
	lister storagev1listers.StorageClassLister
}

var (
	_ admission.MutationInterface                  = &Plugin{}
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
		return fmt.Errorf("missing lister")
	}
	return nil
}

// Admit sets the default class on claims that name none.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	if a.GetResource().GroupResource() != corev1.Resource("persistentvolumeclaims") || a.GetSubresource() != "" {
		return nil
	}
	pvc, ok := a.GetObject().(*corev1.PersistentVolumeClaim)
	if !ok {
		return nil
	}
	if _, found := pvc.Annotations[betaClassAnnotation]; found || pvc.Spec.StorageClassName != nil {
		return nil
	}
	def, err := DefaultClass(p.lister)
	if err != nil {
		return admission.NewForbidden(a, err)
	}
	if def == nil {
		return nil
	}
	name := def.Name
	pvc.Spec.StorageClassName = &name
	return nil
}

// IsDefault tells whether a StorageClass is marked as the default.
func IsDefault(sc *storagev1.StorageClass) bool {
	return sc.Annotations[isDefaultAnnotation] == "true" || sc.Annotations[betaIsDefaultAnnotation] == "true"
}

// DefaultClass returns the default StorageClass, the newest (then the first
// by name) when several are marked, or nil.
func DefaultClass(lister storagev1listers.StorageClassLister) (*storagev1.StorageClass, error) {
	list, err := lister.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var defs []*storagev1.StorageClass
	for _, sc := range list {
		if IsDefault(sc) {
			defs = append(defs, sc)
		}
	}
	if len(defs) == 0 {
		return nil, nil
	}
	sort.Slice(defs, func(i, j int) bool {
		ti, tj := defs[i].CreationTimestamp.UnixNano(), defs[j].CreationTimestamp.UnixNano()
		if ti == tj {
			return defs[i].Name < defs[j].Name
		}
		return ti > tj
	})
	return defs[0], nil
}
