// Package certificateapproval holds kube-apiserver's CertificateApproval,
// CertificateSigning and ClusterTrustBundleAttest admission plugins: to
// approve or sign a CertificateSigningRequest, or to attest a
// ClusterTrustBundle with a signer name, the user must be allowed the
// approve, sign or attest verb on the certificates.k8s.io "signers" resource
// named after the signer (or its "<domain>/*" wildcard).
package certificateapproval

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"

	certificatesv1 "k8s.io/api/certificates/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	skiffadmission "github.com/skiff-k8s/skiff/admission"
)

func init() {
	for _, name := range []string{"CertificateApproval", "CertificateSigning", "ClusterTrustBundleAttest"} {
		name := name
		skiffadmission.Register(skiffadmission.Plugin{Name: name, New: func(io.Reader) (admission.Interface, error) {
			return newPlugin(name), nil
		}})
	}
}

// Plugin is one of the three signer-authorization plugins.
type Plugin struct {
	*admission.Handler
	name  string
	authz authorizer.UnconditionalAuthorizer
}

var (
	_ admission.ValidationInterface            = &Plugin{}
	_ initializer.WantsUnconditionalAuthorizer = &Plugin{}
)

func newPlugin(name string) *Plugin {
	ops := []admission.Operation{admission.Update}
	if name == "ClusterTrustBundleAttest" {
		ops = []admission.Operation{admission.Create, admission.Update}
	}
	return &Plugin{Handler: admission.NewHandler(ops...), name: name}
}

// SetUnconditionalAuthorizer implements initializer.WantsUnconditionalAuthorizer.
func (p *Plugin) SetUnconditionalAuthorizer(a authorizer.UnconditionalAuthorizer) { p.authz = a }

// ValidateInitialization implements admission.InitializationValidator.
func (p *Plugin) ValidateInitialization() error {
	if p.authz == nil {
		return fmt.Errorf("%s requires an authorizer", p.name)
	}
	return nil
}

var (
	csrResource = certificatesv1.Resource("certificatesigningrequests")
	ctbResource = certificatesv1.Resource("clustertrustbundles")
)

// Validate checks the user may use the signer.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	switch p.name {
	case "CertificateApproval":
		if a.GetSubresource() != "approval" || a.GetResource().GroupResource() != csrResource {
			return nil
		}
		csr, ok := a.GetOldObject().(*certificatesv1.CertificateSigningRequest)
		if !ok {
			return admission.NewForbidden(a, fmt.Errorf("expected type CertificateSigningRequest, got: %T", a.GetOldObject()))
		}
		if !IsAuthorizedForSignerName(ctx, p.authz, a.GetUserInfo(), "approve", csr.Spec.SignerName) {
			return admission.NewForbidden(a, fmt.Errorf("user not permitted to approve requests with signerName %q", csr.Spec.SignerName))
		}
	case "CertificateSigning":
		if a.GetSubresource() != "status" || a.GetResource().GroupResource() != csrResource {
			return nil
		}
		old, ok := a.GetOldObject().(*certificatesv1.CertificateSigningRequest)
		if !ok {
			return admission.NewForbidden(a, fmt.Errorf("expected type CertificateSigningRequest, got: %T", a.GetOldObject()))
		}
		csr, ok := a.GetObject().(*certificatesv1.CertificateSigningRequest)
		if !ok {
			return admission.NewForbidden(a, fmt.Errorf("expected type CertificateSigningRequest, got: %T", a.GetObject()))
		}
		if reflect.DeepEqual(old.Status.Certificate, csr.Status.Certificate) && apiequality.Semantic.DeepEqual(old.Status.Conditions, csr.Status.Conditions) {
			return nil
		}
		if !IsAuthorizedForSignerName(ctx, p.authz, a.GetUserInfo(), "sign", old.Spec.SignerName) {
			return admission.NewForbidden(a, fmt.Errorf("user not permitted to sign requests with signerName %q", old.Spec.SignerName))
		}
	case "ClusterTrustBundleAttest":
		if a.GetResource().GroupResource() != ctbResource {
			return nil
		}
		b, ok := a.GetObject().(*certificatesv1.ClusterTrustBundle)
		if !ok {
			return admission.NewForbidden(a, fmt.Errorf("expected type ClusterTrustBundle, got: %T", a.GetOldObject()))
		}
		if b.Spec.SignerName == "" {
			return nil
		}
		if a.GetOperation() == admission.Update && onlyGCFieldsChanged(a) {
			return nil
		}
		if !IsAuthorizedForSignerName(ctx, p.authz, a.GetUserInfo(), "attest", b.Spec.SignerName) {
			return admission.NewForbidden(a, fmt.Errorf("user not permitted to attest for signerName %q", b.Spec.SignerName))
		}
	}
	return nil
}

// onlyGCFieldsChanged is upstream's rbac.IsOnlyMutatingGCFields: true when
// only ownerReferences and finalizers differ.
func onlyGCFieldsChanged(a admission.Attributes) bool {
	obj, old := a.GetObject(), a.GetOldObject()
	if old == nil {
		return false
	}
	copied := obj.DeepCopyObject()
	cm, err1 := meta.Accessor(copied)
	om, err2 := meta.Accessor(old)
	if err1 != nil || err2 != nil {
		return false
	}
	cm.SetOwnerReferences(om.GetOwnerReferences())
	cm.SetFinalizers(om.GetFinalizers())
	cm.SetResourceVersion(om.GetResourceVersion())
	cm.SetManagedFields(om.GetManagedFields())
	return apiequality.Semantic.DeepEqual(copied, old)
}

// IsAuthorizedForSignerName tells whether the user may verb the signer,
// by name or by its "<domain>/*" wildcard.
func IsAuthorizedForSignerName(ctx context.Context, authz authorizer.UnconditionalAuthorizer, info user.Info, verb, signerName string) bool {
	for _, name := range []string{signerName, strings.Split(signerName, "/")[0] + "/*"} {
		decision, _, err := authz.Authorize(ctx, authorizer.AttributesRecord{
			User: info, Verb: verb, Name: name,
			APIGroup: "certificates.k8s.io", APIVersion: "*", Resource: "signers",
			ResourceRequest: true,
		})
		if err == nil && decision == authorizer.DecisionAllow {
			return true
		}
	}
	return false
}
