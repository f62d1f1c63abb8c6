// Package servicecidr serves networking.k8s.io/v1 ServiceCIDRs with their
// status. The default one, "kubernetes", describes the range ClusterIPs
// are allocated from and is created at start.
package servicecidr

import (
	"context"
	"net/netip"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/registry/strategy"
	"github.com/skiff-k8s/skiff/registry/subresource"
	"github.com/skiff-k8s/skiff/registry/table"
)

// REST is the servicecidrs resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the servicecidrs storage and its status.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &networkingv1.ServiceCIDR{} },
		NewListFunc:               func() runtime.Object { return &networkingv1.ServiceCIDRList{} },
		DefaultQualifiedResource:  networkingv1.Resource("servicecidrs"),
		SingularQualifiedResource: networkingv1.Resource("servicecidr"),
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

type cidrStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of ServiceCIDRs.
var Strategy = cidrStrategy{strategy.Cluster()}

func (cidrStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetStatus("v1")
}

func (cidrStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*networkingv1.ServiceCIDR).Status = networkingv1.ServiceCIDRStatus{}
}

func (cidrStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*networkingv1.ServiceCIDR).Status = old.(*networkingv1.ServiceCIDR).Status
}

func (cidrStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*networkingv1.ServiceCIDR))
}

func (cidrStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	c, prev := obj.(*networkingv1.ServiceCIDR), old.(*networkingv1.ServiceCIDR)
	errs := validation.ValidateObjectMetaUpdate(&c.ObjectMeta, &prev.ObjectMeta, field.NewPath("metadata"))
	p := field.NewPath("spec", "cidrs")
	switch {
	case len(prev.Spec.CIDRs) == len(c.Spec.CIDRs):
		for i := range prev.Spec.CIDRs {
			if prev.Spec.CIDRs[i] != c.Spec.CIDRs[i] {
				errs = append(errs, field.Invalid(p.Index(i), c.Spec.CIDRs[i], "field is immutable"))
			}
		}
	case len(prev.Spec.CIDRs) == 1 && len(c.Spec.CIDRs) == 2:
		// upgrade to dual-stack: the first CIDR stays
		if prev.Spec.CIDRs[0] != c.Spec.CIDRs[0] {
			errs = append(errs, field.Invalid(p.Index(0), c.Spec.CIDRs[0], "field is immutable"))
		}
		errs = append(errs, validateCIDRs(c.Spec.CIDRs, p)...)
	default:
		errs = append(errs, field.Invalid(p, c.Spec.CIDRs, "field is immutable"))
	}
	return errs
}

// Validate checks one or two CIDRs of different families.
func Validate(c *networkingv1.ServiceCIDR) field.ErrorList {
	errs := validation.ValidateObjectMeta(&c.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, validateCIDRs(c.Spec.CIDRs, field.NewPath("spec", "cidrs"))...)
}

func validateCIDRs(cidrs []string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(cidrs) == 0 {
		return append(errs, field.Required(p, "at least one CIDR required"))
	}
	if len(cidrs) > 2 {
		return append(errs, field.Invalid(p, cidrs, "may only hold up to 2 values"))
	}
	for i, c := range cidrs {
		errs = append(errs, utilvalidation.IsValidCIDR(p.Index(i), c)...)
	}
	if len(cidrs) == 2 {
		a, errA := netip.ParsePrefix(cidrs[0])
		b, errB := netip.ParsePrefix(cidrs[1])
		if errA == nil && errB == nil && a.Addr().Is4() == b.Addr().Is4() {
			errs = append(errs, field.Invalid(p, cidrs, "may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64"))
		}
	}
	return errs
}

type statusStrategy struct{ cidrStrategy }

// StatusStrategy lets only .status change.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetAllButStatus("v1")
}

func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*networkingv1.ServiceCIDR).Spec = old.(*networkingv1.ServiceCIDR).Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	c := obj.(*networkingv1.ServiceCIDR)
	errs := validation.ValidateObjectMetaUpdate(&c.ObjectMeta, &old.(*networkingv1.ServiceCIDR).ObjectMeta, field.NewPath("metadata"))
	return append(errs, metavalidation.ValidateConditions(c.Status.Conditions, field.NewPath("status", "conditions"))...)
}

// Table prints NAME, CIDRS, AGE.
var Table = table.Convertor[*networkingv1.ServiceCIDR]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "CIDRs", Type: "string", Description: networkingv1.ServiceCIDRSpec{}.SwaggerDoc()["cidrs"]},
		table.AgeColumn,
	},
	Row: func(c *networkingv1.ServiceCIDR) []interface{} {
		return []interface{}{c.Name, strings.Join(c.Spec.CIDRs, ","), table.Age(c.CreationTimestamp)}
	},
}
