// Package ingress serves networking.k8s.io/v1 Ingresses with their status.
package ingress

import (
	"context"
	"fmt"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/registry/strategy"
	"github.com/skiff-k8s/skiff/registry/subresource"
	"github.com/skiff-k8s/skiff/registry/table"
)

// REST is the ingresses resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the ingresses storage and its status.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &networkingv1.Ingress{} },
		NewListFunc:               func() runtime.Object { return &networkingv1.IngressList{} },
		DefaultQualifiedResource:  networkingv1.Resource("ingresses"),
		SingularQualifiedResource: networkingv1.Resource("ingress"),
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
func (*REST) ShortNames() []string { return []string{"ing"} }

type ingressStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of Ingresses.
var Strategy = ingressStrategy{strategy.Namespaced()}

func (ingressStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetStatus("v1")
}

func (ingressStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	ing := obj.(*networkingv1.Ingress)
	ing.Status = networkingv1.IngressStatus{}
	ing.Generation = 1
}

func (ingressStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	ing, prev := obj.(*networkingv1.Ingress), old.(*networkingv1.Ingress)
	ing.Status = prev.Status
	if !equalSpec(ing, prev) {
		ing.Generation = prev.Generation + 1
	}
}

func equalSpec(a, b *networkingv1.Ingress) bool {
	return apiequality.Semantic.DeepEqual(a.Spec, b.Spec)
}

func (ingressStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*networkingv1.Ingress))
}

func (ingressStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	ing := obj.(*networkingv1.Ingress)
	errs := validation.ValidateObjectMetaUpdate(&ing.ObjectMeta, &old.(*networkingv1.Ingress).ObjectMeta, field.NewPath("metadata"))
	return append(errs, Validate(ing)...)
}

var pathTypes = sets.New(networkingv1.PathTypeExact, networkingv1.PathTypePrefix, networkingv1.PathTypeImplementationSpecific)

// Validate checks an Ingress as upstream in its main points: a default
// backend or rules, hosts, path types, paths and backends.
func Validate(ing *networkingv1.Ingress) field.ErrorList {
	errs := validation.ValidateObjectMeta(&ing.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	if len(ing.Spec.Rules) == 0 && ing.Spec.DefaultBackend == nil {
		errs = append(errs, field.Invalid(spec, ing.Spec.Rules, "either `defaultBackend` or `rules` must be specified"))
	}
	if ing.Spec.DefaultBackend != nil {
		errs = append(errs, validateBackend(ing.Spec.DefaultBackend, spec.Child("defaultBackend"))...)
	}
	if c := ing.Spec.IngressClassName; c != nil {
		for _, msg := range validation.NameIsDNSSubdomain(*c, false) {
			errs = append(errs, field.Invalid(spec.Child("ingressClassName"), *c, msg))
		}
	}
	for i, tls := range ing.Spec.TLS {
		for j, h := range tls.Hosts {
			p := spec.Child("tls").Index(i).Child("hosts").Index(j)
			if strings.Contains(h, "*") {
				for _, msg := range utilvalidation.IsWildcardDNS1123Subdomain(h) {
					errs = append(errs, field.Invalid(p, h, msg))
				}
				continue
			}
			for _, msg := range utilvalidation.IsDNS1123Subdomain(h) {
				errs = append(errs, field.Invalid(p, h, msg))
			}
		}
	}
	for i, rule := range ing.Spec.Rules {
		p := spec.Child("rules").Index(i)
		if h := rule.Host; h != "" {
			if isIP(h) {
				errs = append(errs, field.Invalid(p.Child("host"), h, "must be a DNS name, not an IP address"))
			}
			var msgs []string
			if strings.Contains(h, "*") {
				msgs = utilvalidation.IsWildcardDNS1123Subdomain(h)
			} else {
				msgs = utilvalidation.IsDNS1123Subdomain(h)
			}
			for _, msg := range msgs {
				errs = append(errs, field.Invalid(p.Child("host"), h, msg))
			}
		}
		if rule.HTTP == nil {
			continue
		}
		hp := p.Child("http", "paths")
		if len(rule.HTTP.Paths) == 0 {
			errs = append(errs, field.Required(hp, ""))
		}
		for j, path := range rule.HTTP.Paths {
			pp := hp.Index(j)
			if path.PathType == nil {
				errs = append(errs, field.Required(pp.Child("pathType"), "pathType must be specified"))
			} else if !pathTypes.Has(*path.PathType) {
				errs = append(errs, field.NotSupported(pp.Child("pathType"), *path.PathType, sets.List(pathTypes)))
			} else if *path.PathType != networkingv1.PathTypeImplementationSpecific || path.Path != "" {
				if !strings.HasPrefix(path.Path, "/") {
					errs = append(errs, field.Invalid(pp.Child("path"), path.Path, "must be an absolute path"))
				} else if *path.PathType != networkingv1.PathTypeImplementationSpecific {
					for _, bad := range []string{"//", "/./", "/../", "%2f", "%2F"} {
						if strings.Contains(path.Path, bad) {
							errs = append(errs, field.Invalid(pp.Child("path"), path.Path, fmt.Sprintf("must not contain '%s'", bad)))
						}
					}
				}
			}
			errs = append(errs, validateBackend(&path.Backend, pp.Child("backend"))...)
		}
	}
	return errs
}

func isIP(s string) bool {
	return len(utilvalidation.IsValidIP(field.NewPath(""), s)) == 0
}

func validateBackend(b *networkingv1.IngressBackend, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case b.Service != nil && b.Resource != nil:
		errs = append(errs, field.Invalid(p, "", "cannot set both resource and service backends"))
	case b.Service != nil:
		if b.Service.Name == "" {
			errs = append(errs, field.Required(p.Child("service", "name"), ""))
		} else {
			for _, msg := range validation.NameIsDNS1035Label(b.Service.Name, false) {
				errs = append(errs, field.Invalid(p.Child("service", "name"), b.Service.Name, msg))
			}
		}
		port := b.Service.Port
		pp := p.Child("service", "port")
		switch {
		case port.Name != "" && port.Number != 0:
			errs = append(errs, field.Invalid(pp, port, "cannot set both port name & port number"))
		case port.Name != "":
			for _, msg := range utilvalidation.IsValidPortName(port.Name) {
				errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
			}
		case port.Number != 0:
			for _, msg := range utilvalidation.IsValidPortNum(int(port.Number)) {
				errs = append(errs, field.Invalid(pp.Child("number"), port.Number, msg))
			}
		default:
			errs = append(errs, field.Required(pp, "port name or number is required"))
		}
	case b.Resource != nil:
		if b.Resource.Kind == "" {
			errs = append(errs, field.Required(p.Child("resource", "kind"), ""))
		}
		if b.Resource.Name == "" {
			errs = append(errs, field.Required(p.Child("resource", "name"), ""))
		}
	default:
		errs = append(errs, field.Invalid(p, "", "resource or service backend is required"))
	}
	return errs
}

type statusStrategy struct{ ingressStrategy }

// StatusStrategy lets only .status change.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetAllButStatus("v1")
}

func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*networkingv1.Ingress).Spec = old.(*networkingv1.Ingress).Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	ing := obj.(*networkingv1.Ingress)
	errs := validation.ValidateObjectMetaUpdate(&ing.ObjectMeta, &old.(*networkingv1.Ingress).ObjectMeta, field.NewPath("metadata"))
	for i, lb := range ing.Status.LoadBalancer.Ingress {
		p := field.NewPath("status", "loadBalancer", "ingress").Index(i)
		if lb.IP != "" {
			errs = append(errs, utilvalidation.IsValidIPForLegacyField(p.Child("ip"), lb.IP, true, nil)...)
		}
		if lb.Hostname != "" {
			for _, msg := range utilvalidation.IsDNS1123Subdomain(lb.Hostname) {
				errs = append(errs, field.Invalid(p.Child("hostname"), lb.Hostname, msg))
			}
		}
	}
	return errs
}

// Table prints NAME, CLASS, HOSTS, ADDRESS, PORTS, AGE.
var Table = table.Convertor[*networkingv1.Ingress]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Class", Type: "string", Description: "The name of the IngressClass resource that should be used for additional configuration"},
		{Name: "Hosts", Type: "string", Description: "Hosts that incoming requests are matched against before the ingress rule"},
		{Name: "Address", Type: "string", Description: "Address is a list containing ingress points for the load-balancer"},
		{Name: "Ports", Type: "string", Description: "Ports of TLS configurations that open"},
		table.AgeColumn,
	},
	Row: func(ing *networkingv1.Ingress) []interface{} {
		class := "<none>"
		if ing.Spec.IngressClassName != nil {
			class = *ing.Spec.IngressClassName
		}
		ports := "80"
		if len(ing.Spec.TLS) != 0 {
			ports = "80, 443"
		}
		return []interface{}{ing.Name, class, hosts(ing.Spec.Rules), address(ing), ports, table.Age(ing.CreationTimestamp)}
	},
}

func hosts(rules []networkingv1.IngressRule) string {
	const max = 3
	var list []string
	more := false
	for _, r := range rules {
		if len(list) == max {
			more = true
		}
		if !more && r.Host != "" {
			list = append(list, r.Host)
		}
	}
	if len(list) == 0 {
		return "*"
	}
	if more {
		return fmt.Sprintf("%s + %d more...", strings.Join(list, ","), len(rules)-max)
	}
	return strings.Join(list, ",")
}

func address(ing *networkingv1.Ingress) string {
	seen := sets.New[string]()
	for _, lb := range ing.Status.LoadBalancer.Ingress {
		if lb.IP != "" {
			seen.Insert(lb.IP)
		} else if lb.Hostname != "" {
			seen.Insert(lb.Hostname)
		}
	}
	out := sets.List(seen)
	sort.Strings(out)
	return strings.Join(out, ",")
}
