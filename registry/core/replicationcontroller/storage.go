// Package replicationcontroller serves core/v1 ReplicationControllers with
// their status and scale subresources.
package replicationcontroller

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/apps/scale"
	"github.com/skiff-k8s/skiff/registry/subresource"
)

func init() {
	apis.MustAddFieldLabels(corev1.SchemeGroupVersion.WithKind("ReplicationController"), "status.replicas")
	apis.Scheme.AddTypeDefaultingFunc(&corev1.ReplicationController{}, func(obj interface{}) {
		SetDefaults(obj.(*corev1.ReplicationController))
	})
}

// GetAttrs returns the labels and selectable fields of a ReplicationController.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	rc, ok := obj.(*corev1.ReplicationController)
	if !ok {
		return nil, nil, fmt.Errorf("not a replication controller: %T", obj)
	}
	f := fields.Set{"status.replicas": fmt.Sprint(rc.Status.Replicas)}
	return rc.Labels, generic.AddObjectMetaFieldsSet(f, &rc.ObjectMeta, true), nil
}

// REST is the replicationcontrollers resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the replicationcontrollers storage, its status and its
// scale subresource.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, *scale.REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &corev1.ReplicationController{} },
		NewListFunc:               func() runtime.Object { return &corev1.ReplicationControllerList{} },
		DefaultQualifiedResource:  corev1.Resource("replicationcontrollers"),
		SingularQualifiedResource: corev1.Resource("replicationcontroller"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		ResetFieldsStrategy:       Strategy,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}); err != nil {
		return nil, nil, nil, err
	}
	sc := scale.New(store, scale.Target{
		Resource: corev1.Resource("replicationcontrollers"),
		Get: func(obj runtime.Object) (int32, int32, *metav1.LabelSelector) {
			rc := obj.(*corev1.ReplicationController)
			spec := int32(0)
			if rc.Spec.Replicas != nil {
				spec = *rc.Spec.Replicas
			}
			return spec, rc.Status.Replicas, &metav1.LabelSelector{MatchLabels: rc.Spec.Selector}
		},
		Set: func(obj runtime.Object, replicas int32) {
			obj.(*corev1.ReplicationController).Spec.Replicas = &replicas
		},
	})
	return &REST{store}, subresource.NewStatus(store, StatusStrategy), sc, nil
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// ShortNames implements rest.ShortNamesProvider.
func (*REST) ShortNames() []string { return []string{"rc"} }

// Categories implements rest.CategoriesProvider.
func (*REST) Categories() []string { return []string{"all"} }
