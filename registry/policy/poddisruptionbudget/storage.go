// Package poddisruptionbudget serves policy/v1 PodDisruptionBudgets with
// their status subresource.
package poddisruptionbudget

import (
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/subresource"
)

// REST is the poddisruptionbudgets resource.
type REST struct {
	*genericregistry.Store
}

var _ rest.ShortNamesProvider = &REST{}

// NewREST returns the poddisruptionbudgets storage and its status.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &policyv1.PodDisruptionBudget{} },
		NewListFunc:               func() runtime.Object { return &policyv1.PodDisruptionBudgetList{} },
		DefaultQualifiedResource:  policyv1.Resource("poddisruptionbudgets"),
		SingularQualifiedResource: policyv1.Resource("poddisruptionbudget"),
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
func (*REST) ShortNames() []string { return []string{"pdb"} }
