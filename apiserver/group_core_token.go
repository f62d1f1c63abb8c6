package apiserver

import (
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/core/serviceaccount"
)

func init() { coreExtra = append(coreExtra, coreServiceAccountToken) }

// coreServiceAccountToken adds serviceaccounts/token, signing with the key
// applyServiceAccountAuth loaded for this server.
func coreServiceAccountToken(d deps, s *storageMap) {
	sa, ok := s.m["serviceaccounts"].(*serviceaccount.REST)
	if !ok {
		return
	}
	t := d.saTokens
	tr := serviceaccount.NewTokenREST(sa, func() *serviceaccount.Signer { return t.signer })
	tr.Pods = getter(s, "pods")
	tr.Secrets = getter(s, "secrets")
	tr.Nodes = getter(s, "nodes")
	t.mu.Lock()
	t.sas, t.pods, t.nodes = sa, tr.Pods, tr.Nodes
	t.mu.Unlock()
	t.bootstrap.setSecrets(tr.Secrets)
	s.add("serviceaccounts/token", tr, nil)
}

func getter(s *storageMap, name string) rest.Getter {
	g, _ := s.m[name].(rest.Getter)
	return g
}
