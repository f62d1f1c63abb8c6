package apiserver

import (
	"net/http"
	"strings"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/group"
	"k8s.io/apiserver/pkg/authentication/request/union"
	x509request "k8s.io/apiserver/pkg/authentication/request/x509"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/skiff-k8s/skiff/pki"
)

// publicPaths may be read without credentials, as upstream's
// system:public-info-viewer role allows.
var publicPaths = []string{"/healthz", "/livez", "/readyz", "/version"}

// applyAuth authenticates x509 client certificates signed by the cluster CA
// and lets anonymous requests reach only publicPaths; any other anonymous
// request gets 401. Every authenticated user is allowed everything until
// RBAC lands. It returns the server's ServiceAccount token issuer.
func applyAuth(c *genericapiserver.RecommendedConfig, certs pki.Files) (*saTokens, error) {
	ca, err := caProvider(certs)
	if err != nil {
		return nil, err
	}
	c.SecureServing.ClientCA = ca
	// As upstream, every authenticated user is also in system:authenticated.
	c.Authentication.Authenticator = union.New(
		group.NewAuthenticatedGroupAdder(x509request.NewDynamic(ca.VerifyOptions, x509request.CommonNameUserConversion)),
		authenticator.RequestFunc(anonymousOnPublicPaths),
	)
	tokens, err := applyServiceAccountAuth(c, certs)
	if err != nil {
		return nil, err
	}
	allow := authorizerfactory.NewAlwaysAllowAuthorizer()
	c.Authorization.Authorizer = allow
	c.RuleResolver = allow
	genericapiserver.AuthorizeClientBearerToken(c.LoopbackClientConfig, &c.Authentication, &c.Authorization)
	return tokens, nil
}

func anonymousOnPublicPaths(req *http.Request) (*authenticator.Response, bool, error) {
	if req.Header.Get("Authorization") != "" {
		return nil, false, nil
	}
	for _, p := range publicPaths {
		if req.URL.Path == p || strings.HasPrefix(req.URL.Path, p+"/") {
			return &authenticator.Response{User: &user.DefaultInfo{
				Name:   user.Anonymous,
				Groups: []string{user.AllUnauthenticated},
			}}, true, nil
		}
	}
	return nil, false, nil
}
