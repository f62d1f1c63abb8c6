// Package defaultingressclass is kube-apiserver's DefaultIngressClass
// admission plugin: an Ingress created without a class gets the default
// IngressClass (annotation ingressclass.kubernetes.io/is-default-class=true;
// the newest one wins).
package defaultingressclass

import (
	"context"
	"fmt"
	"io"
	"sort"

	networkingv1 "k8s.io/api/networking/v1"
	networkingv1beta1 "k8s.io/api/networking/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/client-go/informers"
	networkingv1listers "k8s.io/client-go/listers/networking/v1"

	skiffadmission "github.com/skiff-k8s/skiff/admission"
)

// PluginName is upstream's plugin name.
const PluginName = "DefaultIngressClass"

func init() {
	skiffadmission.Register(skiffadmission.Plugin{Name: PluginName, New: func(io.Reader) (admission.Interface, error) {
		return &Plugin{Handler: admission.NewHandler(admission.Create)}, nil
	}})
}

// Plugin defaults Ingress classes.
type Plugin struct {
	*admission.Handler
	lister networkingv1listers.IngressClassLister
}

var (
	_ admission.MutationInterface                  = &Plugin{}
	_ initializer.WantsExternalKubeInformerFactory = &Plugin{}
)

// SetExternalKubeInformerFactory implements initializer.WantsExternalKubeInformerFactory.
func (p *Plugin) SetExternalKubeInformerFactory(f informers.SharedInformerFactory) {
	inf := f.Networking().V1().IngressClasses()
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

// Admit sets the default class on Ingresses that name none.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	if a.GetResource().GroupResource() != networkingv1.Resource("ingresses") || a.GetSubresource() != "" {
		return nil
	}
	ing, ok := a.GetObject().(*networkingv1.Ingress)
	if !ok {
		return apierrors.NewInternalError(fmt.Errorf("Expected Ingress resource, got: %v", a.GetKind()))
	}
	if ing.Spec.IngressClassName != nil {
		return nil
	}
	if _, ok := ing.Annotations[networkingv1beta1.AnnotationIngressClass]; ok {
		return nil
	}
	def, err := defaultClass(p.lister)
	if err != nil {
		return admission.NewForbidden(a, err)
	}
	if def == nil {
		return nil
	}
	name := def.Name
	ing.Spec.IngressClassName = &name
	return nil
}

func defaultClass(lister networkingv1listers.IngressClassLister) (*networkingv1.IngressClass, error) {
	list, err := lister.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var defs []*networkingv1.IngressClass
	for _, c := range list {
		if c.Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true" {
			defs = append(defs, c)
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
