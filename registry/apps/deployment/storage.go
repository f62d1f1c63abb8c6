// Package deployment serves apps/v1 Deployments with their status and
// scale subresources.
package deployment

import (
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/apps/scale"
	"github.com/skiff-k8s/skiff/registry/subresource"
)

// REST is the deployments resource.
type REST struct {
	*genericregistry.Store
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// NewREST returns the deployments storage, deployments/status and
// deployments/scale.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, *scale.REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &appsv1.Deployment{} },
		NewListFunc:               func() runtime.Object { return &appsv1.DeploymentList{} },
		DefaultQualifiedResource:  appsv1.Resource("deployments"),
		SingularQualifiedResource: appsv1.Resource("deployment"),
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
		Resource: appsv1.Resource("deployments"),
		Get: func(obj runtime.Object) (int32, int32, *metav1.LabelSelector) {
			d := obj.(*appsv1.Deployment)
			return replicas(d), d.Status.Replicas, d.Spec.Selector
		},
		Set: func(obj runtime.Object, n int32) { obj.(*appsv1.Deployment).Spec.Replicas = &n },
	})
	return &REST{store}, subresource.NewStatus(store, StatusStrategy), sc, nil
}

// ShortNames implements rest.ShortNamesProvider.
func (*REST) ShortNames() []string { return []string{"deploy"} }

// Categories implements rest.CategoriesProvider.
func (*REST) Categories() []string { return []string{"all"} }

func replicas(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}
