package apiserver

import (
	"context"
	"crypto/subtle"
	"regexp"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/klog/v2"
)

// Bootstrap tokens, as kube-apiserver's --enable-bootstrap-token-auth:
// "<id>.<secret>" checked against the Secret bootstrap-token-<id> in
// kube-system, authenticating as system:bootstrap:<id> in
// system:bootstrappers. `skiff token create` makes them; `skiff agent`
// uses one to ask for its node's client certificate.
var bootstrapTokenRE = regexp.MustCompile(`^([a-z0-9]{6})\.([a-z0-9]{16})$`)

// bootstrapTokens authenticates bootstrap tokens from the secrets store,
// set once the core group is built.
type bootstrapTokens struct {
	mu      sync.RWMutex
	secrets rest.Getter
}

func (b *bootstrapTokens) setSecrets(g rest.Getter) {
	b.mu.Lock()
	b.secrets = g
	b.mu.Unlock()
}

func (b *bootstrapTokens) authenticate(ctx context.Context, token string) (*authenticator.Response, bool, error) {
	m := bootstrapTokenRE.FindStringSubmatch(token)
	if m == nil {
		return nil, false, nil
	}
	id, secret := m[1], m[2]
	b.mu.RLock()
	secrets := b.secrets
	b.mu.RUnlock()
	if secrets == nil {
		return nil, false, nil
	}
	obj, err := secrets.Get(genericapirequest.WithNamespace(ctx, metav1.NamespaceSystem), "bootstrap-token-"+id, &metav1.GetOptions{})
	if err != nil {
		klog.V(3).InfoS("Bootstrap token not found", "id", id)
		return nil, false, nil
	}
	s, ok := obj.(*corev1.Secret)
	if !ok || s.Type != "bootstrap.kubernetes.io/token" || s.DeletionTimestamp != nil {
		return nil, false, nil
	}
	if string(s.Data["token-id"]) != id || subtle.ConstantTimeCompare(s.Data["token-secret"], []byte(secret)) != 1 {
		return nil, false, nil
	}
	if string(s.Data["usage-bootstrap-authentication"]) != "true" {
		return nil, false, nil
	}
	if exp := string(s.Data["expiration"]); exp != "" {
		t, err := time.Parse(time.RFC3339, exp)
		if err != nil || time.Now().After(t) {
			return nil, false, nil
		}
	}
	groups := []string{"system:bootstrappers"}
	for _, g := range strings.Split(string(s.Data["auth-extra-groups"]), ",") {
		if g = strings.TrimSpace(g); strings.HasPrefix(g, "system:bootstrappers:") {
			groups = append(groups, g)
		}
	}
	return &authenticator.Response{User: &user.DefaultInfo{Name: "system:bootstrap:" + id, Groups: groups}}, true, nil
}
