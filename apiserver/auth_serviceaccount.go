package apiserver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/group"
	"k8s.io/apiserver/pkg/authentication/request/bearertoken"
	"k8s.io/apiserver/pkg/authentication/request/union"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/skiff-k8s/skiff/pki"
	"github.com/skiff-k8s/skiff/registry/core/serviceaccount"
)

// saTokens is one server's service account token issuer and
// authenticator: the signer, and the stores the authenticator checks
// tokens against (filled in when the core/v1 storage is built).
type saTokens struct {
	signer *serviceaccount.Signer
	mu     sync.RWMutex
	sas    rest.Getter
	pods   rest.Getter
	nodes  rest.Getter
	// bootstrap authenticates bootstrap tokens (auth_bootstrap.go).
	bootstrap bootstrapTokens
}

// applyServiceAccountAuth loads (creating on first start) the data
// directory's service account signing key, pki/sa.key, for the
// serviceaccounts/token subresource, and authenticates the bearer tokens it
// issues. Call it in applyAuth after c.Authentication.Authenticator is set.
// The issuer it returns goes to installAPIs for the serviceaccounts/token
// and tokenreviews storage.
func applyServiceAccountAuth(c *genericapiserver.RecommendedConfig, certs pki.Files) (*saTokens, error) {
	key, err := pki.EnsureServiceAccountKey(certs.Dir)
	if err != nil {
		return nil, fmt.Errorf("service account key: %w", err)
	}
	signer, err := serviceaccount.NewSigner(key, "")
	if err != nil {
		return nil, err
	}
	t := &saTokens{signer: signer}
	sa := group.NewAuthenticatedGroupAdder(bearertoken.New(authenticator.TokenFunc(t.authenticate)))
	sa = union.New(sa, group.NewAuthenticatedGroupAdder(bearertoken.New(authenticator.TokenFunc(t.bootstrap.authenticate))))
	if c.Authentication.Authenticator == nil {
		c.Authentication.Authenticator = sa
	} else {
		c.Authentication.Authenticator = union.New(c.Authentication.Authenticator, sa)
	}
	return t, nil
}

func (t *saTokens) authenticate(ctx context.Context, token string) (*authenticator.Response, bool, error) {
	if t.signer == nil {
		return nil, false, nil
	}
	c, err := t.signer.Verify(token, time.Now())
	if errors.Is(err, serviceaccount.ErrNotOurs) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	auds, ok := authenticator.AudiencesFrom(ctx)
	if !ok || len(auds) == 0 {
		auds = authenticator.Audiences{serviceaccount.Issuer}
	}
	matched := auds.Intersect(c.Audience)
	if len(matched) == 0 {
		return nil, false, errors.New("token audiences is invalid")
	}
	k := c.Kubernetes
	if k == nil || k.Namespace == "" || k.ServiceAccount.Name == "" {
		return nil, false, errors.New("service account token is missing kubernetes.io claims")
	}
	t.mu.RLock()
	sas, pods := t.sas, t.pods
	t.mu.RUnlock()
	nsCtx := genericapirequest.WithNamespace(ctx, k.Namespace)
	extra := map[string][]string{}
	if sas != nil {
		o, err := sas.Get(nsCtx, k.ServiceAccount.Name, &metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) {
				return nil, false, fmt.Errorf("service account %s/%s has been deleted", k.Namespace, k.ServiceAccount.Name)
			}
			return nil, false, err
		}
		if sa := o.(*corev1.ServiceAccount); string(sa.UID) != k.ServiceAccount.UID {
			return nil, false, fmt.Errorf("service account UID (%s) does not match claim (%s)", sa.UID, k.ServiceAccount.UID)
		}
	}
	if k.Pod != nil {
		if pods != nil {
			o, err := pods.Get(nsCtx, k.Pod.Name, &metav1.GetOptions{})
			if err != nil {
				if apierrors.IsNotFound(err) {
					return nil, false, fmt.Errorf("pod %s/%s has been deleted", k.Namespace, k.Pod.Name)
				}
				return nil, false, err
			}
			if p := o.(*corev1.Pod); string(p.UID) != k.Pod.UID {
				return nil, false, fmt.Errorf("pod UID (%s) does not match claim (%s)", p.UID, k.Pod.UID)
			}
		}
		extra["authentication.kubernetes.io/pod-name"] = []string{k.Pod.Name}
		extra["authentication.kubernetes.io/pod-uid"] = []string{k.Pod.UID}
	}
	if k.Node != nil {
		extra["authentication.kubernetes.io/node-name"] = []string{k.Node.Name}
		if k.Node.UID != "" {
			extra["authentication.kubernetes.io/node-uid"] = []string{k.Node.UID}
		}
	}
	if c.ID != "" {
		extra["authentication.kubernetes.io/credential-id"] = []string{"JTI=" + c.ID}
	}
	if len(extra) == 0 {
		extra = nil
	}
	return &authenticator.Response{
		Audiences: matched,
		User: &user.DefaultInfo{
			Name:   c.Subject,
			UID:    k.ServiceAccount.UID,
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + k.Namespace},
			Extra:  extra,
		},
	}, true, nil
}

// request is the bearer-token authenticator of t's tokens, for
// TokenReview: tokenreview.NewREST(t.request(), []string{serviceaccount.Issuer}).
func (t *saTokens) request() authenticator.Request {
	return bearertoken.New(authenticator.TokenFunc(t.authenticate))
}
