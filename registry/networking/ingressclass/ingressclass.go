// Package ingressclass serves networking.k8s.io/v1 IngressClasses.
package ingressclass

import (
	"context"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/utils/ptr"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/strategy"
	"github.com/skiff-k8s/skiff/registry/table"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&networkingv1.IngressClass{}, func(obj interface{}) { SetDefaults(obj.(*networkingv1.IngressClass)) })
}

// SetDefaults gives parameters without a scope the Cluster scope.
func SetDefaults(c *networkingv1.IngressClass) {
	if c.Spec.Parameters != nil && c.Spec.Parameters.Scope == nil {
		c.Spec.Parameters.Scope = ptr.To(networkingv1.IngressClassParametersReferenceScopeCluster)
	}
}

// REST is the ingressclasses resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the ingressclasses storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &networkingv1.IngressClass{} },
		NewListFunc:               func() runtime.Object { return &networkingv1.IngressClassList{} },
		DefaultQualifiedResource:  networkingv1.Resource("ingressclasses"),
		SingularQualifiedResource: networkingv1.Resource("ingressclass"),
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

type classStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of IngressClasses.
var Strategy = classStrategy{strategy.Cluster()}

func (classStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*networkingv1.IngressClass).Generation = 1
}

func (classStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	c, prev := obj.(*networkingv1.IngressClass), old.(*networkingv1.IngressClass)
	c.Generation = prev.Generation
	if !equalParams(c.Spec, prev.Spec) {
		c.Generation++
	}
}

func equalParams(a, b networkingv1.IngressClassSpec) bool {
	if a.Controller != b.Controller {
		return false
	}
	if a.Parameters == nil || b.Parameters == nil {
		return a.Parameters == b.Parameters
	}
	pa, pb := *a.Parameters, *b.Parameters
	return ptr.Deref(pa.APIGroup, "") == ptr.Deref(pb.APIGroup, "") && pa.Kind == pb.Kind && pa.Name == pb.Name &&
		ptr.Deref(pa.Scope, "") == ptr.Deref(pb.Scope, "") && ptr.Deref(pa.Namespace, "") == ptr.Deref(pb.Namespace, "")
}

func (classStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*networkingv1.IngressClass))
}

func (classStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	c, prev := obj.(*networkingv1.IngressClass), old.(*networkingv1.IngressClass)
	errs := validation.ValidateObjectMetaUpdate(&c.ObjectMeta, &prev.ObjectMeta, field.NewPath("metadata"))
	if c.Spec.Controller != prev.Spec.Controller {
		errs = append(errs, field.Invalid(field.NewPath("spec", "controller"), c.Spec.Controller, "field is immutable"))
	}
	return append(errs, Validate(c)...)
}

const maxControllerLen = 250

var scopes = sets.New(networkingv1.IngressClassParametersReferenceScopeCluster, networkingv1.IngressClassParametersReferenceScopeNamespace)

// Validate checks the controller (a domain-prefixed path) and parameters.
func Validate(c *networkingv1.IngressClass) field.ErrorList {
	errs := validation.ValidateObjectMeta(&c.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	if len(c.Spec.Controller) > maxControllerLen {
		errs = append(errs, field.TooLong(spec.Child("controller"), "", maxControllerLen))
	}
	errs = append(errs, utilvalidation.IsDomainPrefixedPath(spec.Child("controller"), c.Spec.Controller)...)
	if p := c.Spec.Parameters; p != nil {
		pp := spec.Child("parameters")
		if p.Kind == "" {
			errs = append(errs, field.Required(pp.Child("kind"), ""))
		}
		if p.Name == "" {
			errs = append(errs, field.Required(pp.Child("name"), ""))
		}
		if p.Scope == nil {
			errs = append(errs, field.Required(pp.Child("scope"), ""))
		} else if !scopes.Has(*p.Scope) {
			errs = append(errs, field.NotSupported(pp.Child("scope"), *p.Scope, sets.List(scopes)))
		} else if *p.Scope == networkingv1.IngressClassParametersReferenceScopeNamespace && p.Namespace == nil {
			errs = append(errs, field.Required(pp.Child("namespace"), "`parameters.scope` is set to 'Namespace'"))
		} else if *p.Scope == networkingv1.IngressClassParametersReferenceScopeCluster && p.Namespace != nil {
			errs = append(errs, field.Forbidden(pp.Child("namespace"), "`parameters.scope` is set to 'Cluster'"))
		}
	}
	return errs
}

// Table prints NAME, CONTROLLER, PARAMETERS, AGE; the default class is
// named "<name> (default)".
var Table = table.Convertor[*networkingv1.IngressClass]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Controller", Type: "string", Description: "Controller that is responsible for handling this class"},
		{Name: "Parameters", Type: "string", Description: "A reference to a resource with additional parameters"},
		table.AgeColumn,
	},
	Row: func(c *networkingv1.IngressClass) []interface{} {
		name := c.Name
		if c.Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true" {
			name += " (default)"
		}
		params := "<none>"
		if p := c.Spec.Parameters; p != nil {
			params = p.Kind
			if p.APIGroup != nil {
				params += "." + *p.APIGroup
			}
			params += "/" + p.Name
		}
		return []interface{}{name, c.Spec.Controller, params, table.Age(c.CreationTimestamp)}
	},
}
