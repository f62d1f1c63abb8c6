// Package endpoints serves core/v1 Endpoints (deprecated upstream in favour
// of EndpointSlices, still served).
package endpoints

import (
	"context"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/strategy"
	"github.com/skiff-k8s/skiff/registry/table"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&corev1.Endpoints{}, func(obj interface{}) { SetDefaults(obj.(*corev1.Endpoints)) })
}

// SetDefaults gives ports without a protocol TCP.
func SetDefaults(ep *corev1.Endpoints) {
	for i := range ep.Subsets {
		for j := range ep.Subsets[i].Ports {
			if ep.Subsets[i].Ports[j].Protocol == "" {
				ep.Subsets[i].Ports[j].Protocol = corev1.ProtocolTCP
			}
		}
	}
}

// REST is the endpoints resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the endpoints storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &corev1.Endpoints{} },
		NewListFunc:               func() runtime.Object { return &corev1.EndpointsList{} },
		DefaultQualifiedResource:  corev1.Resource("endpoints"),
		SingularQualifiedResource: corev1.Resource("endpoints"),
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
func (*REST) ShortNames() []string { return []string{"ep"} }

type epStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of Endpoints.
var Strategy = epStrategy{strategy.Namespaced()}

func (epStrategy) PrepareForCreate(context.Context, runtime.Object)                 {}
func (epStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}
func (epStrategy) AllowCreateOnUpdate(context.Context) bool                         { return true }

func (epStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	ep := obj.(*corev1.Endpoints)
	errs := validation.ValidateObjectMeta(&ep.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, validateSubsets(ep.Subsets)...)
}

func (epStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	ep := obj.(*corev1.Endpoints)
	errs := validation.ValidateObjectMetaUpdate(&ep.ObjectMeta, &old.(*corev1.Endpoints).ObjectMeta, field.NewPath("metadata"))
	return append(errs, validateSubsets(ep.Subsets)...)
}

var protocols = sets.New(corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP)

func validateSubsets(subsets []corev1.EndpointSubset) field.ErrorList {
	var errs field.ErrorList
	for i, ss := range subsets {
		p := field.NewPath("subsets").Index(i)
		if len(ss.Addresses) == 0 && len(ss.NotReadyAddresses) == 0 {
			errs = append(errs, field.Required(p, "must specify `addresses` or `notReadyAddresses`"))
		}
		for j, a := range ss.Addresses {
			errs = append(errs, validateAddress(&a, p.Child("addresses").Index(j))...)
		}
		for j, a := range ss.NotReadyAddresses {
			errs = append(errs, validateAddress(&a, p.Child("notReadyAddresses").Index(j))...)
		}
		for j, port := range ss.Ports {
			pp := p.Child("ports").Index(j)
			if len(ss.Ports) > 1 && port.Name == "" {
				errs = append(errs, field.Required(pp.Child("name"), ""))
			} else if port.Name != "" {
				for _, msg := range utilvalidation.IsDNS1123Label(port.Name) {
					errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
				}
			}
			for _, msg := range utilvalidation.IsValidPortNum(int(port.Port)) {
				errs = append(errs, field.Invalid(pp.Child("port"), port.Port, msg))
			}
			if port.Protocol == "" {
				errs = append(errs, field.Required(pp.Child("protocol"), ""))
			} else if !protocols.Has(port.Protocol) {
				errs = append(errs, field.NotSupported(pp.Child("protocol"), port.Protocol, sets.List(protocols)))
			}
		}
	}
	return errs
}

func validateAddress(a *corev1.EndpointAddress, p *field.Path) field.ErrorList {
	errs := utilvalidation.IsValidIPForLegacyField(p.Child("ip"), a.IP, true, nil)
	if len(errs) > 0 {
		return errs
	}
	if a.Hostname != "" {
		for _, msg := range utilvalidation.IsDNS1123Label(a.Hostname) {
			errs = append(errs, field.Invalid(p.Child("hostname"), a.Hostname, msg))
		}
	}
	if a.NodeName != nil {
		for _, msg := range validation.NameIsDNSSubdomain(*a.NodeName, false) {
			errs = append(errs, field.Invalid(p.Child("nodeName"), *a.NodeName, msg))
		}
	}
	return append(errs, ValidateNonSpecialIP(a.IP, p.Child("ip"))...)
}

// ValidateNonSpecialIP rejects unspecified, loopback and link-local
// addresses, as upstream's ValidateEndpointIP.
func ValidateNonSpecialIP(ip string, p *field.Path) field.ErrorList {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return nil
	}
	addr = addr.Unmap()
	var errs field.ErrorList
	if addr.IsUnspecified() {
		errs = append(errs, field.Invalid(p, ip, "may not be unspecified (0.0.0.0)"))
	}
	if addr.IsLoopback() {
		errs = append(errs, field.Invalid(p, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
	}
	if addr.IsLinkLocalUnicast() {
		errs = append(errs, field.Invalid(p, ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
	}
	if addr.IsLinkLocalMulticast() {
		errs = append(errs, field.Invalid(p, ip, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
	}
	return errs
}

// Table prints NAME, ENDPOINTS, AGE.
var Table = table.Convertor[*corev1.Endpoints]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Endpoints", Type: "string", Description: corev1.Endpoints{}.SwaggerDoc()["subsets"]},
		table.AgeColumn,
	},
	Row: func(ep *corev1.Endpoints) []interface{} {
		return []interface{}{ep.Name, Format(ep), table.Age(ep.CreationTimestamp)}
	},
}
