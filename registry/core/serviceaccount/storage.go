// Package serviceaccount serves core/v1 ServiceAccounts.
package serviceaccount

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/skiff-k8s/skiff/registry/strategy"
	"github.com/skiff-k8s/skiff/registry/table"
)

// REST is the serviceaccounts resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the serviceaccounts storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &corev1.ServiceAccount{} },
		NewListFunc:               func() runtime.Object { return &corev1.ServiceAccountList{} },
		DefaultQualifiedResource:  corev1.Resource("serviceaccounts"),
		SingularQualifiedResource: corev1.Resource("serviceaccount"),
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

// ShortNames implements rest.ShortNamesProvider.
func (*REST) ShortNames() []string { return []string{"sa"} }

type serviceAccountStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of ServiceAccounts.
var Strategy = serviceAccountStrategy{strategy.Namespaced()}

func (serviceAccountStrategy) PrepareForCreate(context.Context, runtime.Object)                 {}
func (serviceAccountStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

func (serviceAccountStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	sa := obj.(*corev1.ServiceAccount)
	return validation.ValidateObjectMeta(&sa.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
}

func (s serviceAccountStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	sa := obj.(*corev1.ServiceAccount)
	errs := validation.ValidateObjectMetaUpdate(&sa.ObjectMeta, &old.(*corev1.ServiceAccount).ObjectMeta, field.NewPath("metadata"))
	return append(errs, s.Validate(ctx, obj)...)
}

// Table prints NAME, AGE (upstream dropped the SECRETS column in 1.29).
var Table = table.Convertor[*corev1.ServiceAccount]{
	Columns: []metav1.TableColumnDefinition{table.NameColumn, table.AgeColumn},
	Row: func(sa *corev1.ServiceAccount) []interface{} {
		return []interface{}{sa.Name, table.Age(sa.CreationTimestamp)}
	},
}
