package serviceaccount

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Issuer is the iss claim of skiff's service account tokens and the default
// API audience, as kube-apiserver's default
// --service-account-issuer=https://kubernetes.default.svc.cluster.local.
const Issuer = "https://kubernetes.default.svc.cluster.local"

// Ref names an object a token is bound to.
type Ref struct {
	Name string `json:"name,omitempty"`
	UID  string `json:"uid,omitempty"`
}

// KubernetesClaims are the private "kubernetes.io" claims.
type KubernetesClaims struct {
	Namespace      string `json:"namespace,omitempty"`
	ServiceAccount Ref    `json:"serviceaccount,omitempty"`
	Pod            *Ref   `json:"pod,omitempty"`
	Secret         *Ref   `json:"secret,omitempty"`
	Node           *Ref   `json:"node,omitempty"`
	WarnAfter      *int64 `json:"warnafter,omitempty"`
}

// Claims are a service account token's claims.
type Claims struct {
	Audience   []string          `json:"aud"`
	Expiry     int64             `json:"exp"`
	IssuedAt   int64             `json:"iat"`
	Issuer     string            `json:"iss"`
	ID         string            `json:"jti,omitempty"`
	Kubernetes *KubernetesClaims `json:"kubernetes.io,omitempty"`
	NotBefore  int64             `json:"nbf"`
	Subject    string            `json:"sub"`
}

// Signer signs and verifies ES256 service account tokens.
type Signer struct {
	Key    *ecdsa.PrivateKey
	Issuer string
	kid    string
}

// NewSigner returns a signer for key with the given issuer (Issuer when
// empty).
func NewSigner(key *ecdsa.PrivateKey, issuer string) (*Signer, error) {
	if issuer == "" {
		issuer = Issuer
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	// The key ID as upstream derives it: base64url(sha256(PKIX DER)).
	sum := sha256.Sum256(der)
	return &Signer{Key: key, Issuer: issuer, kid: base64.RawURLEncoding.EncodeToString(sum[:])}, nil
}

// KeyID is the kid header of the tokens.
func (s *Signer) KeyID() string { return s.kid }

type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid,omitempty"`
	Typ string `json:"typ,omitempty"`
}

// Sign returns the compact JWS of claims, setting their issuer.
func (s *Signer) Sign(c *Claims) (string, error) {
	c.Issuer = s.Issuer
	h, err := json.Marshal(header{Alg: "ES256", Kid: s.kid})
	if err != nil {
		return "", err
	}
	p, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	digest := sha256.Sum256([]byte(input))
	r, sv, err := ecdsa.Sign(rand.Reader, s.Key, digest[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sv.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// ErrNotOurs means a bearer token is not a JWT issued by this signer; an
// authenticator passes such tokens on.
var ErrNotOurs = errors.New("not a service account token of this issuer")

// Verify checks a token's signature, issuer and validity window at now and
// returns its claims. Tokens of other issuers or keys give ErrNotOurs.
func (s *Signer) Verify(token string, now time.Time) (*Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, ErrNotOurs
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, ErrNotOurs
	}
	var h header
	if json.Unmarshal(hb, &h) != nil || h.Alg != "ES256" || (h.Kid != "" && h.Kid != s.kid) {
		return nil, ErrNotOurs
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, ErrNotOurs
	}
	var c Claims
	if err := json.Unmarshal(pb, &c); err != nil || c.Issuer != s.Issuer {
		return nil, ErrNotOurs
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, errors.New("invalid signature")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(&s.Key.PublicKey, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, errors.New("invalid signature")
	}
	// A minute of leeway, as upstream's validator.
	const leeway = 60
	t := now.Unix()
	if c.Expiry != 0 && t > c.Expiry+leeway {
		return nil, errors.New("service account token has expired")
	}
	if c.NotBefore != 0 && t+leeway < c.NotBefore {
		return nil, fmt.Errorf("service account token is not valid yet")
	}
	return &c, nil
}
