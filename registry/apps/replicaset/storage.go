// Package replicaset serves apps/v1 ReplicaSets with their status and scale
// subresources.
package replicaset

import (
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/apps/internal/workload"
	"github.com/skiff-k8s/skiff/registry/apps/scale"
	"github.com/skiff-k8s/skiff/registry/subresource"
)

// REST is the replicasets resource.
type REST struct {
	*genericregistry.Store
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// NewREST returns the replicasets storage, replicasets/status and
// replicasets/scale.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, *scale.REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &appsv1.ReplicaSet{} },
		NewListFunc:               func() runtime.Object { return &appsv1.ReplicaSetList{} },
		DefaultQualifiedResource:  appsv1.Resource("replicasets"),
		SingularQualifiedResource: appsv1.Resource("replicaset"),
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
		Resource: appsv1.Resource("replicasets"),
		Get: func(obj runtime.Object) (int32, int32, *metav1.LabelSelector) {
			rs := obj.(*appsv1.ReplicaSet)
			return workload.Replicas(rs.Spec.Replicas), rs.Status.Replicas, rs.Spec.Selector
		},
		Set: func(obj runtime.Object, n int32) { obj.(*appsv1.ReplicaSet).Spec.Replicas = &n },
	})
	return &REST{store}, subresource.NewStatus(store, StatusStrategy), sc, nil
}

// ShortNames implements rest.ShortNamesProvider.
func (*REST) ShortNames() []string { return []string{"rs"} }

// Categories implements rest.CategoriesProvider.
func (*REST) Categories() []string { return []string{"all"} }

// GetAttrs returns the labels and fields of a ReplicaSet (status.replicas,
// as upstream's storage indexes it).
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return nil, nil, fmt.Errorf("not a replicaset: %T", obj)
	}
	f := fields.Set{"status.replicas": strconv.Itoa(int(rs.Status.Replicas))}
	return rs.Labels, generic.AddObjectMetaFieldsSet(f, &rs.ObjectMeta, true), nil
}
