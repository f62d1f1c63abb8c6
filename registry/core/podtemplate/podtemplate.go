// Package podtemplate serves core/v1 PodTemplates.
package podtemplate

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/apis/core/podspec"
	"github.com/skiff-k8s/skiff/registry/strategy"
	"github.com/skiff-k8s/skiff/registry/table"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&corev1.PodTemplate{}, func(obj interface{}) {
		podspec.SetDefaultsPodTemplateSpec(&obj.(*corev1.PodTemplate).Template)
	})
}

// REST is the podtemplates resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the podtemplates storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &corev1.PodTemplate{} },
		NewListFunc:               func() runtime.Object { return &corev1.PodTemplateList{} },
		DefaultQualifiedResource:  corev1.Resource("podtemplates"),
		SingularQualifiedResource: corev1.Resource("podtemplate"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		ReturnDeletedObject:       true,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}

type podTemplateStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of PodTemplates.
var Strategy = podTemplateStrategy{strategy.Namespaced()}

func (podTemplateStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*corev1.PodTemplate).Generation = 1
}

func (podTemplateStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	t, prev := obj.(*corev1.PodTemplate), old.(*corev1.PodTemplate)
	if !apiequality.Semantic.DeepEqual(t.Template, prev.Template) {
		t.Generation = prev.Generation + 1
	}
}

func (podTemplateStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*corev1.PodTemplate))
}

func (podTemplateStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	t := obj.(*corev1.PodTemplate)
	errs := validation.ValidateObjectMetaUpdate(&t.ObjectMeta, &old.(*corev1.PodTemplate).ObjectMeta, field.NewPath("metadata"))
	return append(errs, podspec.ValidatePodTemplateSpec(&t.Template, field.NewPath("template"))...)
}

// Validate checks the name (a DNS subdomain) and the template.
func Validate(t *corev1.PodTemplate) field.ErrorList {
	errs := validation.ValidateObjectMeta(&t.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, podspec.ValidatePodTemplateSpec(&t.Template, field.NewPath("template"))...)
}

// Table prints NAME CONTAINERS IMAGES POD LABELS, as upstream (no AGE).
var Table = table.Convertor[*corev1.PodTemplate]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Containers", Type: "string", Description: "Names of each container in the template."},
		{Name: "Images", Type: "string", Description: "Images referenced by each container in the template."},
		{Name: "Pod Labels", Type: "string", Description: "The labels for the pod template."},
	},
	Row: func(t *corev1.PodTemplate) []interface{} {
		names, images := podspec.ContainerCells(t.Template.Spec.Containers)
		return []interface{}{t.Name, names, images, labels.FormatLabels(t.Template.Labels)}
	},
}
