package apiserver

import (
	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/authentication/selfsubjectreview"
	"github.com/skiff-k8s/skiff/registry/authentication/tokenreview"
	"github.com/skiff-k8s/skiff/registry/core/serviceaccount"
)

func init() { serve(authenticationv1.SchemeGroupVersion, authenticationV1) }

// authenticationV1 serves the review resources. TokenReviews check the
// server's own ServiceAccount tokens (client certificates are not tokens).
func authenticationV1(d deps) (map[string]rest.Storage, error) {
	return map[string]rest.Storage{
		"tokenreviews":       tokenreview.NewREST(d.saTokens.request(), []string{serviceaccount.Issuer}),
		"selfsubjectreviews": selfsubjectreview.NewREST(),
	}, nil
}
