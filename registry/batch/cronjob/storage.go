// Package cronjob serves batch/v1 CronJobs with their status subresource.
package cronjob

import (
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/subresource"
)

// REST is the cronjobs resource.
type REST struct {
	*genericregistry.Store
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// NewREST returns the cronjobs storage and cronjobs/status.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &batchv1.CronJob{} },
		NewListFunc:               func() runtime.Object { return &batchv1.CronJobList{} },
		DefaultQualifiedResource:  batchv1.Resource("cronjobs"),
		SingularQualifiedResource: batchv1.Resource("cronjob"),
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
func (*REST) ShortNames() []string { return []string{"cj"} }

// Categories implements rest.CategoriesProvider.
func (*REST) Categories() []string { return []string{"all"} }
