package serviceaccount

import (
	"context"
	"fmt"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/utils/ptr"

	"github.com/skiff-k8s/skiff/apis"
)

// DefaultTokenExpirationSeconds and MinTokenExpirationSeconds are
// upstream's TokenRequest default and minimum.
const (
	DefaultTokenExpirationSeconds = 3600
	MinTokenExpirationSeconds     = 600
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&authenticationv1.TokenRequest{}, func(obj interface{}) {
		SetDefaultsTokenRequest(obj.(*authenticationv1.TokenRequest))
	})
}

// SetDefaultsTokenRequest defaults expirationSeconds to an hour, as
// upstream's authentication/v1 defaults.
func SetDefaultsTokenRequest(tr *authenticationv1.TokenRequest) {
	if tr.Spec.ExpirationSeconds == nil {
		tr.Spec.ExpirationSeconds = ptr.To[int64](DefaultTokenExpirationSeconds)
	}
}

var tokenRequestGVK = authenticationv1.SchemeGroupVersion.WithKind("TokenRequest")

// TokenREST is the serviceaccounts/token subresource: creating it returns a
// TokenRequest whose status holds a signed service account token.
type TokenREST struct {
	serviceAccounts rest.Getter
	// Pods, Secrets and Nodes resolve bound object references; nil ones
	// make binding to that kind a bad request.
	Pods, Secrets, Nodes rest.Getter
	// Signer returns the token signer; nil means tokens cannot be issued.
	Signer func() *Signer
	// Audiences are the API audiences tokens default to.
	Audiences []string
	// MaxExpirationSeconds, when positive, caps expirationSeconds.
	MaxExpirationSeconds int64
	now                  func() time.Time
}

// NewTokenREST returns the token subresource of the serviceaccounts store.
func NewTokenREST(sa *REST, signer func() *Signer) *TokenREST {
	return &TokenREST{serviceAccounts: sa, Signer: signer, Audiences: []string{Issuer}, now: time.Now}
}

var (
	_ rest.NamedCreater                   = &TokenREST{}
	_ rest.GroupVersionKindProvider       = &TokenREST{}
	_ rest.SubresourceObjectMetaPreserver = &TokenREST{}
	_ rest.Storage                        = &TokenREST{}
)

// New returns an empty TokenRequest.
func (*TokenREST) New() runtime.Object { return &authenticationv1.TokenRequest{} }

// Destroy implements rest.Storage.
func (*TokenREST) Destroy() {}

// GroupVersionKind is authentication.k8s.io/v1 TokenRequest.
func (*TokenREST) GroupVersionKind(schema.GroupVersion) schema.GroupVersionKind {
	return tokenRequestGVK
}

// PreserveRequestObjectMetaSystemFieldsOnSubresourceCreate keeps the
// request's UID, as upstream.
func (*TokenREST) PreserveRequestObjectMetaSystemFieldsOnSubresourceCreate() bool { return true }

// ValidateTokenRequest mirrors upstream's validation of a TokenRequest.
func ValidateTokenRequest(tr *authenticationv1.TokenRequest) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	exp := ptr.Deref(tr.Spec.ExpirationSeconds, 0)
	if exp < MinTokenExpirationSeconds {
		errs = append(errs, field.Invalid(spec.Child("expirationSeconds"), exp, "may not specify a duration less than 10 minutes"))
	}
	if exp > 1<<32 {
		errs = append(errs, field.Invalid(spec.Child("expirationSeconds"), exp, "may not specify a duration larger than 2^32 seconds"))
	}
	if len(tr.Spec.Attestations) != 0 {
		return field.ErrorList{field.Invalid(spec.Child("attestations"), tr.Spec.Attestations, "attestations may only be specified with a webhook bound object reference")}
	}
	return errs
}

// Create issues a token for service account name.
func (r *TokenREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, _ *metav1.CreateOptions) (runtime.Object, error) {
	req := obj.(*authenticationv1.TokenRequest)
	SetDefaultsTokenRequest(req)
	namespace, ok := genericapirequest.NamespaceFrom(ctx)
	if !ok {
		return nil, apierrors.NewBadRequest("namespace is required")
	}
	if req.Name != "" && req.Name != name {
		return nil, apierrors.NewInvalid(tokenRequestGVK.GroupKind(), name, field.ErrorList{field.Invalid(field.NewPath("metadata").Child("name"), req.Name, "must match the service account name if specified")})
	}
	if req.Namespace != "" && req.Namespace != namespace {
		return nil, apierrors.NewInvalid(tokenRequestGVK.GroupKind(), name, field.ErrorList{field.Invalid(field.NewPath("metadata").Child("namespace"), req.Namespace, "must match the service account namespace if specified")})
	}
	saObj, err := r.serviceAccounts.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	sa := saObj.(*corev1.ServiceAccount)
	if req.UID != "" && req.UID != sa.UID {
		return nil, apierrors.NewConflict(schema.GroupResource{Group: tokenRequestGVK.Group, Resource: tokenRequestGVK.Kind}, name,
			fmt.Errorf("the UID in the token request (%s) does not match the UID of the service account (%s)", req.UID, sa.UID))
	}
	if len(req.Spec.Audiences) == 0 {
		req.Spec.Audiences = r.Audiences
	}
	if req.Name == "" {
		req.Name = sa.Name
	}
	if req.Namespace == "" {
		req.Namespace = sa.Namespace
	}
	if req.UID == "" {
		req.UID = sa.UID
	}
	now := r.now()
	req.CreationTimestamp = metav1.NewTime(now)
	req.Status = authenticationv1.TokenRequestStatus{}
	if errs := ValidateTokenRequest(req); len(errs) != 0 {
		return nil, apierrors.NewInvalid(tokenRequestGVK.GroupKind(), "", errs)
	}
	if createValidation != nil {
		if err := createValidation(ctx, req.DeepCopyObject()); err != nil {
			return nil, err
		}
	}

	k := &KubernetesClaims{Namespace: sa.Namespace, ServiceAccount: Ref{Name: sa.Name, UID: string(sa.UID)}}
	if ref := req.Spec.BoundObjectRef; ref != nil {
		gvk := schema.FromAPIVersionAndKind(ref.APIVersion, ref.Kind)
		var uid string
		switch {
		case gvk.Group == "" && gvk.Kind == "Pod" && r.Pods != nil:
			o, err := r.Pods.Get(ctx, ref.Name, &metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			pod := o.(*corev1.Pod)
			if name != pod.Spec.ServiceAccountName {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("cannot bind token for serviceaccount %q to pod running with different serviceaccount name.", name))
			}
			uid = string(pod.UID)
			k.Pod = &Ref{Name: pod.Name, UID: uid}
			if pod.Spec.NodeName != "" {
				k.Node = &Ref{Name: pod.Spec.NodeName}
				if r.Nodes != nil {
					if no, err := r.Nodes.Get(genericapirequest.WithNamespace(ctx, ""), pod.Spec.NodeName, &metav1.GetOptions{}); err == nil {
						k.Node.UID = string(no.(*corev1.Node).UID)
					} else if !apierrors.IsNotFound(err) {
						return nil, apierrors.NewInternalError(err)
					}
				}
			}
		case gvk.Group == "" && gvk.Kind == "Node" && r.Nodes != nil:
			o, err := r.Nodes.Get(genericapirequest.WithNamespace(ctx, ""), ref.Name, &metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			uid = string(o.(*corev1.Node).UID)
			k.Node = &Ref{Name: ref.Name, UID: uid}
		case gvk.Group == "" && gvk.Kind == "Secret" && r.Secrets != nil:
			o, err := r.Secrets.Get(ctx, ref.Name, &metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			uid = string(o.(*corev1.Secret).UID)
			k.Secret = &Ref{Name: ref.Name, UID: uid}
		default:
			return nil, apierrors.NewBadRequest(fmt.Sprintf("cannot bind token to object of type %s", gvk.String()))
		}
		if ref.UID != "" && string(ref.UID) != uid {
			return nil, apierrors.NewConflict(schema.GroupResource{Group: gvk.Group, Resource: gvk.Kind}, ref.Name,
				fmt.Errorf("the UID in the bound object reference (%s) does not match the UID in record. The object might have been deleted and then recreated", ref.UID))
		}
	}
	exp := *req.Spec.ExpirationSeconds
	if r.MaxExpirationSeconds > 0 && exp > r.MaxExpirationSeconds {
		exp = r.MaxExpirationSeconds
		req.Spec.ExpirationSeconds = ptr.To(exp)
	}
	var signer *Signer
	if r.Signer != nil {
		signer = r.Signer()
	}
	if signer == nil {
		return nil, apierrors.NewServiceUnavailable("service account token signing is not configured")
	}
	claims := &Claims{
		Audience:   req.Spec.Audiences,
		IssuedAt:   now.Unix(),
		NotBefore:  now.Unix(),
		Expiry:     now.Add(time.Duration(exp) * time.Second).Unix(),
		ID:         string(uuid.NewUUID()),
		Subject:    "system:serviceaccount:" + sa.Namespace + ":" + sa.Name,
		Kubernetes: k,
	}
	tok, err := signer.Sign(claims)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("failed to generate token: %v", err))
	}
	out := req.DeepCopy()
	out.Status = authenticationv1.TokenRequestStatus{
		Token:               tok,
		ExpirationTimestamp: metav1.NewTime(now.Add(time.Duration(exp) * time.Second)),
	}
	return out, nil
}
