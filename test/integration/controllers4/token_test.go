package controllers4

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

type tokenClaims struct {
	Iss string   `json:"iss"`
	Sub string   `json:"sub"`
	Aud []string `json:"aud"`
	Exp int64    `json:"exp"`
	Iat int64    `json:"iat"`
	Nbf int64    `json:"nbf"`
	Jti string   `json:"jti"`
	K8s struct {
		Namespace      string            `json:"namespace"`
		ServiceAccount map[string]string `json:"serviceaccount"`
		Pod            map[string]string `json:"pod"`
		Node           map[string]string `json:"node"`
	} `json:"kubernetes.io"`
}

func decodeToken(t *testing.T, tok string) (map[string]string, tokenClaims) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWS", tok)
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]string
	if err := json.Unmarshal(hb, &h); err != nil {
		t.Fatal(err)
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c tokenClaims
	if err := json.Unmarshal(pb, &c); err != nil {
		t.Fatal(err)
	}
	return h, c
}

// TestServiceAccountTokenRequest creates tokens through the
// serviceaccounts/token subresource, as kubectl create token does.
func TestServiceAccountTokenRequest(t *testing.T) {
	ns := namespace(t, "token-")
	sa, err := srv.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "builder"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().Add(-time.Second)
	tr, err := srv.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "builder", &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Kind != "TokenRequest" && tr.Kind != "" {
		t.Errorf("kind %q", tr.Kind)
	}
	if got := ptr.Deref(tr.Spec.ExpirationSeconds, 0); got != 3600 {
		t.Errorf("spec.expirationSeconds = %d, want the default 3600", got)
	}
	if len(tr.Spec.Audiences) != 1 || tr.Spec.Audiences[0] != "https://kubernetes.default.svc.cluster.local" {
		t.Errorf("spec.audiences = %v, want the API audience", tr.Spec.Audiences)
	}
	if tr.Name != "builder" || tr.Namespace != ns || tr.UID != sa.UID {
		t.Errorf("metadata = %s/%s uid %s, want the service account's", tr.Namespace, tr.Name, tr.UID)
	}
	h, c := decodeToken(t, tr.Status.Token)
	if h["alg"] != "ES256" || h["kid"] == "" {
		t.Errorf("header %v", h)
	}
	if c.Iss != "https://kubernetes.default.svc.cluster.local" || c.Sub != "system:serviceaccount:"+ns+":builder" {
		t.Errorf("iss %q sub %q", c.Iss, c.Sub)
	}
	if len(c.Aud) != 1 || c.Aud[0] != "https://kubernetes.default.svc.cluster.local" {
		t.Errorf("aud %v", c.Aud)
	}
	if c.Exp-c.Iat != 3600 || c.Nbf != c.Iat || c.Iat < before.Unix() || c.Jti == "" {
		t.Errorf("exp %d iat %d nbf %d jti %q", c.Exp, c.Iat, c.Nbf, c.Jti)
	}
	if c.K8s.Namespace != ns || c.K8s.ServiceAccount["name"] != "builder" || c.K8s.ServiceAccount["uid"] != string(sa.UID) {
		t.Errorf("kubernetes.io claims %+v", c.K8s)
	}
	if got := tr.Status.ExpirationTimestamp.Unix(); got != c.Exp {
		t.Errorf("status.expirationTimestamp %d, token exp %d", got, c.Exp)
	}

	// Audiences and expiration from the request.
	tr, err = srv.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "builder", &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{Audiences: []string{"vault", "ci"}, ExpirationSeconds: ptr.To[int64](7200)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, c = decodeToken(t, tr.Status.Token)
	if strings.Join(c.Aud, ",") != "vault,ci" || c.Exp-c.Iat != 7200 {
		t.Errorf("aud %v, lifetime %d", c.Aud, c.Exp-c.Iat)
	}

	// Too short an expiration is invalid, as upstream.
	_, err = srv.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "builder", &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](599)},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.expirationSeconds", "may not specify a duration less than 10 minutes")

	// A missing service account is 404.
	_, err = srv.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "nobody", &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("token for a missing service account: %v, want NotFound", err)
	}

	// Bound to a pod: the pod and its node are in the claims; a pod of
	// another service account is a bad request.
	pod, err := srv.Client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "runner"},
		Spec: corev1.PodSpec{ServiceAccountName: "builder", NodeName: "pdb-node",
			Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err = srv.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "builder", &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: "runner", UID: pod.UID}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, c = decodeToken(t, tr.Status.Token)
	if c.K8s.Pod["name"] != "runner" || c.K8s.Pod["uid"] != string(pod.UID) || c.K8s.Node["name"] != "pdb-node" {
		t.Errorf("pod-bound claims %+v", c.K8s)
	}
	_, err = srv.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "default", &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: "runner"}},
	}, metav1.CreateOptions{})
	if !apierrors.IsBadRequest(err) {
		// The default SA may not exist yet; then NotFound is also right.
		if !apierrors.IsNotFound(err) {
			t.Errorf("binding to another service account's pod: %v, want BadRequest", err)
		}
	}
}

func assertInvalid(t *testing.T, err error, path, msg string) {
	t.Helper()
	if !apierrors.IsInvalid(err) {
		t.Fatalf("got %v, want 422 Invalid", err)
	}
	status := err.(apierrors.APIStatus).Status()
	if status.Code != http.StatusUnprocessableEntity || status.Details == nil {
		t.Fatalf("status %+v", status)
	}
	for _, c := range status.Details.Causes {
		if c.Field == path && strings.Contains(c.Message, msg) {
			return
		}
	}
	t.Fatalf("no cause %s %q in %+v", path, msg, status.Details.Causes)
}
