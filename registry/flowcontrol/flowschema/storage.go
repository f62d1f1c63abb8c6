// Package flowschema serves flowcontrol.apiserver.k8s.io/v1 FlowSchema objects (flowschemas).
package flowschema

import (
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/skiff-k8s/skiff/registry/subresource"
)

// REST is the flowschemas resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the flowschemas storage and its status subresource.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &flowcontrolv1.FlowSchema{} },
		NewListFunc:               func() runtime.Object { return &flowcontrolv1.FlowSchemaList{} },
		DefaultQualifiedResource:  flowcontrolv1.Resource("flowschemas"),
		SingularQualifiedResource: flowcontrolv1.Resource("flowschema"),
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
