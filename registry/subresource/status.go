// Package subresource provides the REST shapes most resources share for
// their subresources: /status (and helpers for /scale live beside it).
package subresource

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// Status serves <resource>/status from a copy of the resource's store whose
// UpdateStrategy (and ResetFieldsStrategy) only let .status change.
type Status struct {
	Store *genericregistry.Store
}

// NewStatus copies store and gives the copy the status strategy.
func NewStatus(store *genericregistry.Store, strategy interface {
	rest.RESTUpdateStrategy
	rest.ResetFieldsStrategy
}) *Status {
	s := *store
	s.CreateStrategy = nil
	s.DeleteStrategy = nil
	s.UpdateStrategy = strategy
	s.ResetFieldsStrategy = strategy
	return &Status{Store: &s}
}

var (
	_ rest.Patcher              = &Status{}
	_ rest.ResetFieldsStrategy  = &Status{}
	_ rest.TableConvertor       = &Status{}
	_ rest.SingularNameProvider = &Status{}
)

func (r *Status) New() runtime.Object     { return r.Store.New() }
func (r *Status) Destroy()                {}
func (r *Status) GetSingularName() string { return r.Store.GetSingularName() }

func (r *Status) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.Store.Get(ctx, name, options)
}

// Update never creates: a status write to a missing object is a 404.
func (r *Status) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, _ bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	return r.Store.Update(ctx, name, objInfo, createValidation, updateValidation, false, options)
}

func (r *Status) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return r.Store.GetResetFields()
}

func (r *Status) ConvertToTable(ctx context.Context, obj runtime.Object, opts runtime.Object) (*metav1.Table, error) {
	return r.Store.ConvertToTable(ctx, obj, opts)
}
