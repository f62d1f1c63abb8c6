package apiserver

import (
	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/authentication/selfsubjectreview"
	"github.com/skiff-k8s/skiff/registry/authentication/tokenreview"
)

func init() { serve(authenticationv1.SchemeGroupVersion, authenticationV1) }

// authenticationV1 serves the review resources. skiff authenticates by
// client certificate only, so TokenReviews have no token authenticator and
// always answer authenticated=false.
func authenticationV1(d deps) (map[string]rest.Storage, error) {
	return map[string]rest.Storage{
		"tokenreviews":       tokenreview.NewREST(nil, nil),
		"selfsubjectreviews": selfsubjectreview.NewREST(),
	}, nil
}
