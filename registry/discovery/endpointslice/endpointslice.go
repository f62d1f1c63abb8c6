// Package endpointslice serves discovery.k8s.io/v1 EndpointSlices.
package endpointslice

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/core/endpoints"
	"github.com/skiff-k8s/skiff/registry/strategy"
	"github.com/skiff-k8s/skiff/registry/table"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&discoveryv1.EndpointSlice{}, func(obj interface{}) { SetDefaults(obj.(*discoveryv1.EndpointSlice)) })
}

// SetDefaults gives ports an empty name and the TCP protocol when unset.
func SetDefaults(s *discoveryv1.EndpointSlice) {
	for i := range s.Ports {
		if s.Ports[i].Name == nil {
			name := ""
			s.Ports[i].Name = &name
		}
		if s.Ports[i].Protocol == nil {
			p := corev1.ProtocolTCP
			s.Ports[i].Protocol = &p
		}
	}
}

// REST is the endpointslices resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the endpointslices storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &discoveryv1.EndpointSlice{} },
		NewListFunc:               func() runtime.Object { return &discoveryv1.EndpointSliceList{} },
		DefaultQualifiedResource:  discoveryv1.Resource("endpointslices"),
		SingularQualifiedResource: discoveryv1.Resource("endpointslice"),
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

type sliceStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of EndpointSlices.
var Strategy = sliceStrategy{strategy.Namespaced()}

func (sliceStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*discoveryv1.EndpointSlice).Generation = 1
}

func (sliceStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	s, prev := obj.(*discoveryv1.EndpointSlice), old.(*discoveryv1.EndpointSlice)
	s.Generation = prev.Generation
	a, b := s.DeepCopy(), prev.DeepCopy()
	a.ObjectMeta, b.ObjectMeta = metav1.ObjectMeta{}, metav1.ObjectMeta{}
	if !apiequality.Semantic.DeepEqual(a, b) {
		s.Generation++
	}
}

func (sliceStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*discoveryv1.EndpointSlice))
}

func (sliceStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	s, prev := obj.(*discoveryv1.EndpointSlice), old.(*discoveryv1.EndpointSlice)
	errs := validation.ValidateObjectMetaUpdate(&s.ObjectMeta, &prev.ObjectMeta, field.NewPath("metadata"))
	if s.AddressType != prev.AddressType {
		errs = append(errs, field.Invalid(field.NewPath("addressType"), s.AddressType, "field is immutable"))
	}
	return append(errs, Validate(s)...)
}

var (
	addressTypes = sets.New(discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6, discoveryv1.AddressTypeFQDN)
	protocols    = sets.New(corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP)
)

const (
	maxEndpoints = 1000
	maxPorts     = 20000
	maxAddresses = 100
)

// Validate checks the address type, endpoints and ports as upstream.
func Validate(s *discoveryv1.EndpointSlice) field.ErrorList {
	errs := validation.ValidateObjectMeta(&s.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	if s.AddressType == "" {
		errs = append(errs, field.Required(field.NewPath("addressType"), ""))
	} else if !addressTypes.Has(s.AddressType) {
		errs = append(errs, field.NotSupported(field.NewPath("addressType"), s.AddressType, sets.List(addressTypes)))
	}
	ep := field.NewPath("endpoints")
	if len(s.Endpoints) > maxEndpoints {
		errs = append(errs, field.TooMany(ep, len(s.Endpoints), maxEndpoints))
	}
	for i, e := range s.Endpoints {
		p := ep.Index(i)
		ap := p.Child("addresses")
		if len(e.Addresses) == 0 {
			errs = append(errs, field.Required(ap, "must contain at least 1 address"))
		} else if len(e.Addresses) > maxAddresses {
			errs = append(errs, field.TooMany(ap, len(e.Addresses), maxAddresses))
		}
		for j, a := range e.Addresses {
			aip := ap.Index(j)
			switch s.AddressType {
			case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6:
				ipErrs := utilvalidation.IsValidIP(aip, a)
				errs = append(errs, ipErrs...)
				if len(ipErrs) == 0 {
					is4 := !strings.Contains(a, ":")
					if s.AddressType == discoveryv1.AddressTypeIPv4 && !is4 {
						errs = append(errs, field.Invalid(aip, a, "must be an IPv4 address"))
					}
					if s.AddressType == discoveryv1.AddressTypeIPv6 && is4 {
						errs = append(errs, field.Invalid(aip, a, "must be an IPv6 address"))
					}
					errs = append(errs, endpoints.ValidateNonSpecialIP(a, aip)...)
				}
			case discoveryv1.AddressTypeFQDN:
				for _, msg := range utilvalidation.IsFullyQualifiedDomainName(aip, a) {
					errs = append(errs, msg)
				}
			}
		}
		if e.Hostname != nil {
			for _, msg := range utilvalidation.IsDNS1123Label(*e.Hostname) {
				errs = append(errs, field.Invalid(p.Child("hostname"), *e.Hostname, msg))
			}
		}
		if e.NodeName != nil {
			for _, msg := range validation.NameIsDNSSubdomain(*e.NodeName, false) {
				errs = append(errs, field.Invalid(p.Child("nodeName"), *e.NodeName, msg))
			}
		}
		errs = append(errs, metavalidation.ValidateLabels(e.DeprecatedTopology, p.Child("deprecatedTopology"))...)
	}
	pp := field.NewPath("ports")
	if len(s.Ports) > maxPorts {
		errs = append(errs, field.TooMany(pp, len(s.Ports), maxPorts))
	}
	names := sets.New[string]()
	for i, port := range s.Ports {
		p := pp.Index(i)
		if port.Name != nil && *port.Name != "" {
			for _, msg := range utilvalidation.IsDNS1123Label(*port.Name) {
				errs = append(errs, field.Invalid(p.Child("name"), *port.Name, msg))
			}
		}
		name := ""
		if port.Name != nil {
			name = *port.Name
		}
		if names.Has(name) {
			errs = append(errs, field.Duplicate(p.Child("name"), name))
		}
		names.Insert(name)
		if port.Protocol == nil {
			errs = append(errs, field.Required(p.Child("protocol"), ""))
		} else if !protocols.Has(*port.Protocol) {
			errs = append(errs, field.NotSupported(p.Child("protocol"), *port.Protocol, sets.List(protocols)))
		}
		if port.Port != nil {
			for _, msg := range utilvalidation.IsInRange(int(*port.Port), 0, 65535) {
				errs = append(errs, field.Invalid(p.Child("port"), *port.Port, msg))
			}
		}
		if port.AppProtocol != nil {
			for _, msg := range utilvalidation.IsQualifiedName(*port.AppProtocol) {
				errs = append(errs, field.Invalid(p.Child("appProtocol"), *port.AppProtocol, msg))
			}
		}
	}
	return errs
}

// Table prints NAME, ADDRESSTYPE, PORTS, ENDPOINTS, AGE.
var Table = table.Convertor[*discoveryv1.EndpointSlice]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "AddressType", Type: "string", Description: discoveryv1.EndpointSlice{}.SwaggerDoc()["addressType"]},
		{Name: "Ports", Type: "string", Description: discoveryv1.EndpointSlice{}.SwaggerDoc()["ports"]},
		{Name: "Endpoints", Type: "string", Description: discoveryv1.EndpointSlice{}.SwaggerDoc()["endpoints"]},
		table.AgeColumn,
	},
	Row: func(s *discoveryv1.EndpointSlice) []interface{} {
		var ports []string
		for _, p := range s.Ports {
			v := "*"
			if p.Port != nil {
				v = strconv.Itoa(int(*p.Port))
			} else if p.Name != nil {
				v = *p.Name
			}
			ports = append(ports, v)
		}
		var addrs []string
		for _, e := range s.Endpoints {
			addrs = append(addrs, e.Addresses...)
		}
		return []interface{}{s.Name, string(s.AddressType), moreString(ports), moreString(addrs), table.Age(s.CreationTimestamp)}
	},
}

// moreString prints at most three values: "a,b,c + 2 more...", "<unset>".
func moreString(all []string) string {
	const max = 3
	if len(all) > max {
		return fmt.Sprintf("%s + %d more...", strings.Join(all[:max], ","), len(all)-max)
	}
	if len(all) == 0 {
		return "<unset>"
	}
	return strings.Join(all, ",")
}
