package apiserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/request/bearertoken"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/pki"
	"github.com/skiff-k8s/skiff/registry/core/serviceaccount"
)

// TestServiceAccountTokenAuthenticator signs tokens with the data
// directory's key and authenticates them as upstream's service account
// authenticator does.
func TestServiceAccountTokenAuthenticator(t *testing.T) {
	dir := t.TempDir()
	c := genericapiserver.NewRecommendedConfig(apis.Codecs)
	tokens, err := applyServiceAccountAuth(c, pki.Files{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if tokens.signer == nil {
		t.Fatal("no signer")
	}
	// The key persists: a second start signs with the same key.
	key, err := pki.EnsureServiceAccountKey(dir)
	if err != nil || !key.Equal(tokens.signer.Key) {
		t.Fatalf("key not reused: %v", err)
	}
	now := time.Now()
	sign := func(aud []string, exp time.Time, k *serviceaccount.KubernetesClaims) string {
		tok, err := tokens.signer.Sign(&serviceaccount.Claims{
			Audience: aud, IssuedAt: now.Unix(), NotBefore: now.Unix(), Expiry: exp.Unix(),
			ID: "abc", Subject: "system:serviceaccount:ns1:sa1", Kubernetes: k,
		})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	claims := &serviceaccount.KubernetesClaims{Namespace: "ns1", ServiceAccount: serviceaccount.Ref{Name: "sa1", UID: "u1"},
		Pod: &serviceaccount.Ref{Name: "p1", UID: "pu1"}}
	auth := func(tok string) (*authenticator.Response, bool, error) {
		req, _ := http.NewRequest("GET", "/", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		return c.Authentication.Authenticator.AuthenticateRequest(req)
	}

	resp, ok, err := auth(sign([]string{serviceaccount.Issuer}, now.Add(time.Hour), claims))
	if err != nil || !ok {
		t.Fatalf("valid token: %v %v", ok, err)
	}
	u := resp.User
	if u.GetName() != "system:serviceaccount:ns1:sa1" || u.GetUID() != "u1" {
		t.Errorf("user %s uid %s", u.GetName(), u.GetUID())
	}
	want := map[string]bool{"system:serviceaccounts": true, "system:serviceaccounts:ns1": true, "system:authenticated": true}
	for _, g := range u.GetGroups() {
		delete(want, g)
	}
	if len(want) != 0 {
		t.Errorf("groups %v lack %v", u.GetGroups(), want)
	}
	if e := u.GetExtra(); e["authentication.kubernetes.io/pod-name"][0] != "p1" || e["authentication.kubernetes.io/credential-id"][0] != "JTI=abc" {
		t.Errorf("extra %v", e)
	}

	if _, ok, err := auth(sign([]string{serviceaccount.Issuer}, now.Add(-time.Hour), claims)); ok || err == nil {
		t.Errorf("expired token accepted: %v %v", ok, err)
	}
	if _, ok, err := auth(sign([]string{"vault"}, now.Add(time.Hour), claims)); ok || err == nil {
		t.Errorf("token for another audience accepted: %v %v", ok, err)
	}
	// A token of another key is not ours.
	other, _ := serviceaccount.NewSigner(mustKey(t), "")
	tok, _ := other.Sign(&serviceaccount.Claims{Audience: []string{serviceaccount.Issuer}, Expiry: now.Add(time.Hour).Unix(), Kubernetes: claims})
	if _, ok, _ := bearertoken.New(authenticator.TokenFunc(tokens.authenticate)).AuthenticateRequest(bearerRequest(tok)); ok {
		t.Error("token of another key accepted")
	}
	// With audiences in the context, the token must be for one of them.
	ctx := authenticator.WithAudiences(context.Background(), authenticator.Audiences{"vault"})
	if r, ok, err := tokens.authenticate(ctx, sign([]string{"vault", "ci"}, now.Add(time.Hour), claims)); !ok || err != nil || len(r.Audiences) != 1 || r.Audiences[0] != "vault" {
		t.Errorf("audience-scoped token: %v %v %v", r, ok, err)
	}
}

func bearerRequest(tok string) *http.Request {
	req, _ := http.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	return req
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
