// Package prioritylevelconfiguration serves flowcontrol.apiserver.k8s.io/v1 PriorityLevelConfiguration objects (prioritylevelconfigurations).
package prioritylevelconfiguration

import (
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/skiff-k8s/skiff/registry/subresource"
)

// REST is the prioritylevelconfigurations resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the prioritylevelconfigurations storage and its status subresource.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &flowcontrolv1.PriorityLevelConfiguration{} },
		NewListFunc:               func() runtime.Object { return &flowcontrolv1.PriorityLevelConfigurationList{} },
		DefaultQualifiedResource:  flowcontrolv1.Resource("prioritylevelconfigurations"),
		SingularQualifiedResource: flowcontrolv1.Resource("prioritylevelconfiguration"),
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
