package apiserver

import (
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/authorization/localsubjectaccessreview"
	"github.com/skiff-k8s/skiff/registry/authorization/selfsubjectaccessreview"
	"github.com/skiff-k8s/skiff/registry/authorization/selfsubjectrulesreview"
	"github.com/skiff-k8s/skiff/registry/authorization/subjectaccessreview"
)

func init() { serve(authorizationv1.SchemeGroupVersion, authorizationV1) }

func authorizationV1(d deps) (map[string]rest.Storage, error) {
	rr, _ := d.authorizer.(authorizer.RuleResolver)
	return map[string]rest.Storage{
		"selfsubjectaccessreviews":  selfsubjectaccessreview.NewREST(d.authorizer),
		"selfsubjectrulesreviews":   selfsubjectrulesreview.NewREST(rr),
		"subjectaccessreviews":      subjectaccessreview.NewREST(d.authorizer),
		"localsubjectaccessreviews": localsubjectaccessreview.NewREST(d.authorizer),
	}, nil
}
