package volumes

import (
	"context"
	"fmt"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Tokens are re-requested at 80% of their lifetime or after a day, like
// upstream's token manager, so workloads reading the file always hold a
// valid token without hammering the TokenRequest API on every refresh.
const (
	tokenMaxTTL            = 24 * time.Hour
	defaultTokenExpiration = int64(3600)
	tokenRefreshPercent    = 80
)

type tokenKey struct {
	podUID     types.UID
	namespace  string
	sa         string
	audience   string
	expiration int64
}

type cachedToken struct {
	token    string
	issuedAt time.Time
	expires  time.Time
}

func (m *Manager) serviceAccountToken(ctx context.Context, pod *v1.Pod, p *v1.ServiceAccountTokenProjection) (string, error) {
	if m.Client == nil {
		return "", fmt.Errorf("failed to fetch token: no kube client")
	}
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	exp := defaultTokenExpiration
	if p.ExpirationSeconds != nil {
		exp = *p.ExpirationSeconds
	}
	key := tokenKey{podUID: pod.UID, namespace: pod.Namespace, sa: sa, audience: p.Audience, expiration: exp}
	now := m.now()

	m.mu.Lock()
	cached := m.tokens[key]
	m.mu.Unlock()
	if cached != nil && !needsRefresh(cached, now) {
		return cached.token, nil
	}

	var auds []string
	if p.Audience != "" {
		auds = []string{p.Audience}
	}
	tr, err := m.Client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{
			Audiences:         auds,
			ExpirationSeconds: &exp,
			BoundObjectRef: &authenticationv1.BoundObjectReference{
				APIVersion: "v1",
				Kind:       "Pod",
				Name:       pod.Name,
				UID:        pod.UID,
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		// A still-valid cached token beats failing the pod's refresh.
		if cached != nil && now.Before(cached.expires) {
			return cached.token, nil
		}
		if cached != nil {
			return "", fmt.Errorf("token %s/%s expired and refresh failed: %v", pod.Namespace, sa, err)
		}
		return "", fmt.Errorf("failed to fetch token: %v", err)
	}
	// The server may shorten the lifetime; trust its expiry when present.
	issued := now
	expires := now.Add(time.Duration(exp) * time.Second)
	if !tr.Status.ExpirationTimestamp.IsZero() {
		expires = tr.Status.ExpirationTimestamp.Time
		if tr.Spec.ExpirationSeconds != nil {
			issued = expires.Add(-time.Duration(*tr.Spec.ExpirationSeconds) * time.Second)
		}
	}
	ct := &cachedToken{token: tr.Status.Token, issuedAt: issued, expires: expires}
	m.mu.Lock()
	if m.tokens == nil {
		m.tokens = map[tokenKey]*cachedToken{}
	}
	m.tokens[key] = ct
	m.mu.Unlock()
	return ct.token, nil
}

func needsRefresh(t *cachedToken, now time.Time) bool {
	if now.After(t.issuedAt.Add(tokenMaxTTL)) {
		return true
	}
	life := t.expires.Sub(t.issuedAt)
	return now.After(t.issuedAt.Add(life * tokenRefreshPercent / 100))
}

func (m *Manager) forgetTokens(uid types.UID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.tokens {
		if k.podUID == uid {
			delete(m.tokens, k)
		}
	}
}
