package apiserver

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/networking/ingress"
	"github.com/skiff-k8s/skiff/registry/networking/ingressclass"
	"github.com/skiff-k8s/skiff/registry/networking/ipaddress"
	"github.com/skiff-k8s/skiff/registry/networking/networkpolicy"
	"github.com/skiff-k8s/skiff/registry/networking/servicecidr"
)

func init() { serve(networkingv1.SchemeGroupVersion, networkingV1) }

func networkingV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	ing, ingStatus, err := ingress.NewREST(d.opts)
	s.add("ingresses", ing, err)
	s.add("ingresses/status", ingStatus, err)
	ic, err := ingressclass.NewREST(d.opts)
	s.add("ingressclasses", ic, err)
	np, err := networkpolicy.NewREST(d.opts)
	s.add("networkpolicies", np, err)
	sc, scStatus, err := servicecidr.NewREST(d.opts)
	s.add("servicecidrs", sc, err)
	s.add("servicecidrs/status", scStatus, err)
	ip, err := ipaddress.NewREST(d.opts)
	s.add("ipaddresses", ip, err)
	return s.done()
}
