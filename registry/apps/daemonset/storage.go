// Package daemonset serves apps/v1 DaemonSets with their status subresource.
package daemonset

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/subresource"
)

// REST is the daemonsets resource.
type REST struct {
	*genericregistry.Store
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// NewREST returns the daemonsets storage and daemonsets/status.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &appsv1.DaemonSet{} },
		NewListFunc:               func() runtime.Object { return &appsv1.DaemonSetList{} },
		DefaultQualifiedResource:  appsv1.Resource("daemonsets"),
		SingularQualifiedResource: appsv1.Resource("daemonset"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		ResetFieldsStrategy:       Strategy,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, nil, err
	}
	return &REST{store}, subresource.NewStatus(store, StatusStrategy), nil
}

// ShortNames implements rest.ShortNamesProvider.
func (*REST) ShortNames() []string { return []string{"ds"} }

// Categories implements rest.CategoriesProvider.
func (*REST) Categories() []string { return []string{"all"} }
