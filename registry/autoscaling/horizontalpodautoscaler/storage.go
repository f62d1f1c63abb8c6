// Package horizontalpodautoscaler serves HorizontalPodAutoscalers in
// autoscaling/v2 (stored, and the internal type) and autoscaling/v1 (by
// conversion, see apis/conversion_autoscaling.go), with their status.
package horizontalpodautoscaler

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/subresource"
)

// REST is the horizontalpodautoscalers resource.
type REST struct {
	*genericregistry.Store
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// NewREST returns the horizontalpodautoscalers storage and its status.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscaler{} },
		NewListFunc:               func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscalerList{} },
		DefaultQualifiedResource:  autoscalingv2.Resource("horizontalpodautoscalers"),
		SingularQualifiedResource: autoscalingv2.Resource("horizontalpodautoscaler"),
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
func (*REST) ShortNames() []string { return []string{"hpa"} }

// Categories implements rest.CategoriesProvider.
func (*REST) Categories() []string { return []string{"all"} }
