// Package ipaddress serves networking.k8s.io/v1 IPAddresses: one object per
// allocated Service ClusterIP, named by the IP in canonical form. Creating
// one is atomic in etcd, which is what makes ClusterIP allocation race-free.
package ipaddress

import (
	"context"
	"net/netip"
	"reflect"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/skiff-k8s/skiff/registry/strategy"
	"github.com/skiff-k8s/skiff/registry/table"
)

// REST is the ipaddresses resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the ipaddresses storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &networkingv1.IPAddress{} },
		NewListFunc:               func() runtime.Object { return &networkingv1.IPAddressList{} },
		DefaultQualifiedResource:  networkingv1.Resource("ipaddresses"),
		SingularQualifiedResource: networkingv1.Resource("ipaddress"),
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
func (*REST) ShortNames() []string { return []string{"ip"} }

type ipStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of IPAddresses.
var Strategy = ipStrategy{strategy.Cluster()}

func (ipStrategy) PrepareForCreate(context.Context, runtime.Object)                 {}
func (ipStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

func (ipStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*networkingv1.IPAddress))
}

func (ipStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	ip, prev := obj.(*networkingv1.IPAddress), old.(*networkingv1.IPAddress)
	errs := validation.ValidateObjectMetaUpdate(&ip.ObjectMeta, &prev.ObjectMeta, field.NewPath("metadata"))
	if !reflect.DeepEqual(ip.Spec.ParentRef, prev.Spec.ParentRef) {
		errs = append(errs, field.Invalid(field.NewPath("spec", "parentRef"), ip.Spec.ParentRef, "field is immutable"))
	}
	return append(errs, Validate(ip)...)
}

// ValidateName accepts only an IP address in canonical form, as upstream.
func ValidateName(name string, _ bool) []string {
	addr, err := netip.ParseAddr(name)
	if err != nil {
		return []string{"must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"}
	}
	if addr.Zone() != "" || addr.Is4In6() {
		return []string{"must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"}
	}
	if addr.String() != name {
		return []string{"must be a canonical format IP address"}
	}
	return nil
}

// Validate checks the name and the parent reference.
func Validate(ip *networkingv1.IPAddress) field.ErrorList {
	errs := validation.ValidateObjectMeta(&ip.ObjectMeta, false, ValidateName, field.NewPath("metadata"))
	ref0 := field.NewPath("spec", "parentRef")
	ref := ip.Spec.ParentRef
	if ref == nil {
		return append(errs, field.Required(ref0, ""))
	}
	if ref.Group != "" {
		for _, msg := range utilvalidation.IsDNS1123Subdomain(ref.Group) {
			errs = append(errs, field.Invalid(ref0.Child("group"), ref.Group, msg))
		}
	}
	check := func(name, value string, required bool) {
		if value == "" {
			if required {
				errs = append(errs, field.Required(ref0.Child(name), ""))
			}
			return
		}
		for _, msg := range path.ValidatePathSegmentName(value, false) {
			errs = append(errs, field.Invalid(ref0.Child(name), value, msg))
		}
	}
	check("resource", ref.Resource, true)
	check("name", ref.Name, true)
	check("namespace", ref.Namespace, false)
	return errs
}

// Table prints NAME, PARENTREF as upstream (which also fills an age cell
// it declares no column for).
var Table = table.Convertor[*networkingv1.IPAddress]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "ParentRef", Type: "string", Description: networkingv1.IPAddressSpec{}.SwaggerDoc()["parentRef"]},
	},
	Row: func(ip *networkingv1.IPAddress) []interface{} {
		parent := "<none>"
		if r := ip.Spec.ParentRef; r != nil {
			parent = schema.GroupResource{Group: r.Group, Resource: r.Resource}.String()
			if r.Namespace != "" {
				parent += "/" + r.Namespace
			}
			parent += "/" + r.Name
		}
		return []interface{}{ip.Name, parent, table.Age(ip.CreationTimestamp)}
	},
}
