// Package statefulset serves apps/v1 StatefulSets with their status and
// scale subresources.
package statefulset

import (
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/apps/internal/workload"
	"github.com/skiff-k8s/skiff/registry/apps/scale"
	"github.com/skiff-k8s/skiff/registry/subresource"
)

// REST is the statefulsets resource.
type REST struct {
	*genericregistry.Store
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// NewREST returns the statefulsets storage, statefulsets/status and
// statefulsets/scale.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, *scale.REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &appsv1.StatefulSet{} },
		NewListFunc:               func() runtime.Object { return &appsv1.StatefulSetList{} },
		DefaultQualifiedResource:  appsv1.Resource("statefulsets"),
		SingularQualifiedResource: appsv1.Resource("statefulset"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		ResetFieldsStrategy:       Strategy,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, nil, nil, err
	}
	sc := scale.New(store, scale.Target{
		Resource: appsv1.Resource("statefulsets"),
		Get: func(obj runtime.Object) (int32, int32, *metav1.LabelSelector) {
			s := obj.(*appsv1.StatefulSet)
			return workload.Replicas(s.Spec.Replicas), s.Status.Replicas, s.Spec.Selector
		},
		Set: func(obj runtime.Object, n int32) { obj.(*appsv1.StatefulSet).Spec.Replicas = &n },
	})
	return &REST{store}, subresource.NewStatus(store, StatusStrategy), sc, nil
}

// ShortNames implements rest.ShortNamesProvider.
func (*REST) ShortNames() []string { return []string{"sts"} }

// Categories implements rest.CategoriesProvider.
func (*REST) Categories() []string { return []string{"all"} }
