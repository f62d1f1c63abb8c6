// Package networkpolicy serves networking.k8s.io/v1 NetworkPolicies.
package networkpolicy

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
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
	apis.Scheme.AddTypeDefaultingFunc(&networkingv1.NetworkPolicy{}, func(obj interface{}) { SetDefaults(obj.(*networkingv1.NetworkPolicy)) })
}

// SetDefaults mirrors upstream: ports default to TCP, policyTypes to
// [Ingress] (plus Egress when egress rules are given).
func SetDefaults(np *networkingv1.NetworkPolicy) {
	tcp := func(ports []networkingv1.NetworkPolicyPort) {
		for i := range ports {
			if ports[i].Protocol == nil {
				p := corev1.ProtocolTCP
				ports[i].Protocol = &p
			}
		}
	}
	for i := range np.Spec.Ingress {
		tcp(np.Spec.Ingress[i].Ports)
	}
	for i := range np.Spec.Egress {
		tcp(np.Spec.Egress[i].Ports)
	}
	if len(np.Spec.PolicyTypes) == 0 {
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(np.Spec.Egress) != 0 {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
	}
}

// REST is the networkpolicies resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the networkpolicies storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &networkingv1.NetworkPolicy{} },
		NewListFunc:               func() runtime.Object { return &networkingv1.NetworkPolicyList{} },
		DefaultQualifiedResource:  networkingv1.Resource("networkpolicies"),
		SingularQualifiedResource: networkingv1.Resource("networkpolicy"),
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
func (*REST) ShortNames() []string { return []string{"netpol"} }

type npStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of NetworkPolicies.
var Strategy = npStrategy{strategy.Namespaced()}

func (npStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*networkingv1.NetworkPolicy).Generation = 1
}

func (npStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	np, prev := obj.(*networkingv1.NetworkPolicy), old.(*networkingv1.NetworkPolicy)
	np.Generation = prev.Generation
	if !metav1Equal(np, prev) {
		np.Generation++
	}
}

func (npStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*networkingv1.NetworkPolicy))
}

func (npStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	np := obj.(*networkingv1.NetworkPolicy)
	errs := validation.ValidateObjectMetaUpdate(&np.ObjectMeta, &old.(*networkingv1.NetworkPolicy).ObjectMeta, field.NewPath("metadata"))
	return append(errs, Validate(np)...)
}

var (
	policyTypes = sets.New(networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress)
	protocols   = sets.New(corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP)
	selectorOpt = metavalidation.LabelSelectorValidationOptions{}
)

// Validate checks selectors, peers, ports and policy types.
func Validate(np *networkingv1.NetworkPolicy) field.ErrorList {
	errs := validation.ValidateObjectMeta(&np.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	errs = append(errs, metavalidation.ValidateLabelSelector(&np.Spec.PodSelector, selectorOpt, spec.Child("podSelector"))...)
	for i, r := range np.Spec.Ingress {
		p := spec.Child("ingress").Index(i)
		errs = append(errs, validatePorts(r.Ports, p.Child("ports"))...)
		errs = append(errs, validatePeers(r.From, p.Child("from"))...)
	}
	for i, r := range np.Spec.Egress {
		p := spec.Child("egress").Index(i)
		errs = append(errs, validatePorts(r.Ports, p.Child("ports"))...)
		errs = append(errs, validatePeers(r.To, p.Child("to"))...)
	}
	if len(np.Spec.PolicyTypes) > len(policyTypes) {
		errs = append(errs, field.Invalid(spec.Child("policyTypes"), np.Spec.PolicyTypes, "may not specify more than two policyTypes"))
	}
	for i, t := range np.Spec.PolicyTypes {
		if !policyTypes.Has(t) {
			errs = append(errs, field.NotSupported(spec.Child("policyTypes").Index(i), t, sets.List(policyTypes)))
		}
	}
	return errs
}

func validatePorts(ports []networkingv1.NetworkPolicyPort, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, port := range ports {
		p := path.Index(i)
		if port.Protocol != nil && !protocols.Has(*port.Protocol) {
			errs = append(errs, field.NotSupported(p.Child("protocol"), *port.Protocol, sets.List(protocols)))
		}
		if port.Port == nil {
			if port.EndPort != nil {
				errs = append(errs, field.Required(p.Child("port"), "must be specified when endPort is specified"))
			}
			continue
		}
		if port.Port.Type == intstr.Int {
			for _, msg := range utilvalidation.IsValidPortNum(int(port.Port.IntVal)) {
				errs = append(errs, field.Invalid(p.Child("port"), port.Port.IntVal, msg))
			}
			if port.EndPort != nil {
				if *port.EndPort < port.Port.IntVal {
					errs = append(errs, field.Invalid(p.Child("endPort"), *port.EndPort, "must be greater than or equal to `port`"))
				}
				for _, msg := range utilvalidation.IsValidPortNum(int(*port.EndPort)) {
					errs = append(errs, field.Invalid(p.Child("endPort"), *port.EndPort, msg))
				}
			}
		} else {
			if port.EndPort != nil {
				errs = append(errs, field.Invalid(p.Child("endPort"), *port.EndPort, "may not be specified when `port` is non-numeric"))
			}
			for _, msg := range utilvalidation.IsValidPortName(port.Port.StrVal) {
				errs = append(errs, field.Invalid(p.Child("port"), port.Port.StrVal, msg))
			}
		}
	}
	return errs
}

func validatePeers(peers []networkingv1.NetworkPolicyPeer, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, peer := range peers {
		p := path.Index(i)
		n := 0
		if peer.PodSelector != nil {
			n++
			errs = append(errs, metavalidation.ValidateLabelSelector(peer.PodSelector, selectorOpt, p.Child("podSelector"))...)
		}
		if peer.NamespaceSelector != nil {
			n++
			errs = append(errs, metavalidation.ValidateLabelSelector(peer.NamespaceSelector, selectorOpt, p.Child("namespaceSelector"))...)
		}
		if peer.IPBlock != nil {
			n++
			b := peer.IPBlock
			bp := p.Child("ipBlock")
			if b.CIDR == "" {
				errs = append(errs, field.Required(bp.Child("cidr"), ""))
			} else {
				errs = append(errs, utilvalidation.IsValidCIDRForLegacyField(bp.Child("cidr"), b.CIDR, true, nil)...)
			}
			for j, e := range b.Except {
				errs = append(errs, utilvalidation.IsValidCIDRForLegacyField(bp.Child("except").Index(j), e, true, nil)...)
			}
		}
		if n == 0 {
			errs = append(errs, field.Required(p, "must specify a peer"))
		} else if peer.IPBlock != nil && n > 1 {
			errs = append(errs, field.Forbidden(p, "may not specify more than 1 peer type"))
		}
	}
	return errs
}

func metav1Equal(a, b *networkingv1.NetworkPolicy) bool {
	return equality(a.Spec, b.Spec)
}

// Table prints NAME, POD-SELECTOR, AGE.
var Table = table.Convertor[*networkingv1.NetworkPolicy]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Pod-Selector", Type: "string", Description: networkingv1.NetworkPolicySpec{}.SwaggerDoc()["podSelector"]},
		table.AgeColumn,
	},
	Row: func(np *networkingv1.NetworkPolicy) []interface{} {
		return []interface{}{np.Name, metav1.FormatLabelSelector(&np.Spec.PodSelector), table.Age(np.CreationTimestamp)}
	},
}
