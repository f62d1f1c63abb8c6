// Package lease serves coordination.k8s.io/v1 Leases.
package lease

import (
	"context"

	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/skiff-k8s/skiff/registry/strategy"
	"github.com/skiff-k8s/skiff/registry/table"
)

// REST is the leases resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the leases storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &coordinationv1.Lease{} },
		NewListFunc:               func() runtime.Object { return &coordinationv1.LeaseList{} },
		DefaultQualifiedResource:  coordinationv1.Resource("leases"),
		SingularQualifiedResource: coordinationv1.Resource("lease"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}

type leaseStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of Leases.
var Strategy = leaseStrategy{strategy.Namespaced()}

func (leaseStrategy) PrepareForCreate(context.Context, runtime.Object)                 {}
func (leaseStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

func (leaseStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*coordinationv1.Lease))
}

func (leaseStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	l := obj.(*coordinationv1.Lease)
	errs := validation.ValidateObjectMetaUpdate(&l.ObjectMeta, &old.(*coordinationv1.Lease).ObjectMeta, field.NewPath("metadata"))
	return append(errs, Validate(l)...)
}

// Validate checks a Lease's name and spec as upstream does.
func Validate(l *coordinationv1.Lease) field.ErrorList {
	errs := validation.ValidateObjectMeta(&l.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	if d := l.Spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		errs = append(errs, field.Invalid(spec.Child("leaseDurationSeconds"), *d, "must be greater than 0"))
	}
	if t := l.Spec.LeaseTransitions; t != nil && *t < 0 {
		errs = append(errs, field.Invalid(spec.Child("leaseTransitions"), *t, "must be greater than or equal to 0"))
	}
	if s := l.Spec.Strategy; s != nil && *s != coordinationv1.OldestEmulationVersion {
		errs = append(errs, field.NotSupported(spec.Child("strategy"), *s, []string{string(coordinationv1.OldestEmulationVersion)}))
	}
	if p := l.Spec.PreferredHolder; p != nil && *p != "" && (l.Spec.Strategy == nil || *l.Spec.Strategy == "") {
		errs = append(errs, field.Forbidden(spec.Child("preferredHolder"), "may only be specified if `strategy` is defined"))
	}
	return errs
}

// Table prints NAME, HOLDER, AGE.
var Table = table.Convertor[*coordinationv1.Lease]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Holder", Type: "string", Description: coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"]},
		table.AgeColumn,
	},
	Row: func(l *coordinationv1.Lease) []interface{} {
		holder := ""
		if l.Spec.HolderIdentity != nil {
			holder = *l.Spec.HolderIdentity
		}
		return []interface{}{l.Name, holder, table.Age(l.CreationTimestamp)}
	},
}
