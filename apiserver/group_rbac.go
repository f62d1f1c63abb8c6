package apiserver

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/rbac/clusterrole"
	"github.com/skiff-k8s/skiff/registry/rbac/clusterrolebinding"
	"github.com/skiff-k8s/skiff/registry/rbac/role"
	"github.com/skiff-k8s/skiff/registry/rbac/rolebinding"
)

func init() { serve(rbacv1.SchemeGroupVersion, rbacV1) }

func rbacV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	r, err := role.NewREST(d.opts)
	s.add("roles", r, err)
	rb, err := rolebinding.NewREST(d.opts)
	s.add("rolebindings", rb, err)
	cr, err := clusterrole.NewREST(d.opts)
	s.add("clusterroles", cr, err)
	crb, err := clusterrolebinding.NewREST(d.opts)
	s.add("clusterrolebindings", crb, err)
	return s.done()
}
