// Package csrapproving approves kubelets' client certificate requests
// (signer kubernetes.io/kube-apiserver-client-kubelet) whose requester may
// create certificatesigningrequests/selfnodeclient (renewing its own node
// identity) or /nodeclient (bootstrapping a node), asked with a
// SubjectAccessReview, as kube-controller-manager's csrapproving does.
// It also approves a node's request for its own kubelet serving
// certificate (a skiff addition, see approveOwnServing). Everything else
// waits for a person: `kubectl certificate approve`.
package csrapproving

import (
	"context"
	"fmt"

	authorizationv1 "k8s.io/api/authorization/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/skiff-k8s/skiff/controllers/csrsigning"
)

// Reconciler approves recognised kubelet client requests.
type Reconciler struct {
	Client client.Client
	// Kube creates SubjectAccessReviews and writes approvals.
	Kube kubernetes.Interface
}

// SetupWithManager watches CertificateSigningRequests.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("csrapproving").
		For(&certificatesv1.CertificateSigningRequest{}).
		Complete(r)
}

type recognizer struct {
	subresource string
	self        bool
	message     string
}

// The self-renewal case is tried first, as upstream.
var recognizers = []recognizer{
	{"selfnodeclient", true, "Auto approving self kubelet client certificate after SubjectAccessReview."},
	{"nodeclient", false, "Auto approving kubelet client certificate after SubjectAccessReview."},
}

// Reconcile approves one request if it is a kubelet client request its
// requester is allowed to make.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	csr := &certificatesv1.CertificateSigningRequest{}
	if err := r.Client.Get(ctx, req.NamespacedName, csr); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if len(csr.Status.Certificate) != 0 {
		return ctrl.Result{}, nil
	}
	if approved, denied := csrsigning.ApprovalState(csr); approved || denied {
		return ctrl.Result{}, nil
	}
	if csr.Spec.SignerName == certificatesv1.KubeletServingSignerName {
		return ctrl.Result{}, r.approveOwnServing(ctx, csr)
	}
	if csr.Spec.SignerName != certificatesv1.KubeAPIServerClientKubeletSignerName {
		return ctrl.Result{}, nil
	}
	x509cr, err := csrsigning.ParseCSR(csr.Spec.Request)
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("unable to parse csr %q: %v", csr.Name, err)
	}
	if csrsigning.ValidateKubeletClient(x509cr, csr.Spec.Usages) != nil {
		return ctrl.Result{}, nil
	}
	for _, rec := range recognizers {
		if rec.self && csr.Spec.Username != x509cr.Subject.CommonName {
			continue
		}
		allowed, err := r.allowed(ctx, csr, rec.subresource)
		if err != nil {
			return ctrl.Result{}, err
		}
		if !allowed {
			continue
		}
		csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
			Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue, Reason: "AutoApproved", Message: rec.message,
		})
		if _, err := r.Kube.CertificatesV1().CertificateSigningRequests().UpdateApproval(ctx, csr.Name, csr, metav1.UpdateOptions{}); err != nil {
			return ctrl.Result{}, fmt.Errorf("error updating approval for csr: %v", err)
		}
		return ctrl.Result{}, nil
	}
	// Not allowed: left for a person (upstream logs and does not retry).
	return ctrl.Result{}, nil
}

// approveOwnServing approves a node's request for its own kubelet serving
// certificate (requested as system:node:<name> in system:nodes, for that
// name), so `skiff agent` nodes get certificates the API server verifies.
// Upstream leaves these to a person or a third-party approver; k3s signs
// them itself. Any other serving request still waits for a person.
func (r *Reconciler) approveOwnServing(ctx context.Context, csr *certificatesv1.CertificateSigningRequest) error {
	x509cr, err := csrsigning.ParseCSR(csr.Spec.Request)
	if err != nil || csrsigning.ValidateKubeletServing(x509cr, csr.Spec.Usages) != nil {
		return nil
	}
	inNodes := false
	for _, g := range csr.Spec.Groups {
		inNodes = inNodes || g == "system:nodes"
	}
	if !inNodes || csr.Spec.Username != x509cr.Subject.CommonName {
		return nil
	}
	csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
		Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue, Reason: "AutoApproved",
		Message: "Auto approving the kubelet serving certificate of the requesting node.",
	})
	if _, err := r.Kube.CertificatesV1().CertificateSigningRequests().UpdateApproval(ctx, csr.Name, csr, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("error updating approval for csr: %v", err)
	}
	return nil
}

// allowed asks whether the requester may create the subresource.
func (r *Reconciler) allowed(ctx context.Context, csr *certificatesv1.CertificateSigningRequest, subresource string) (bool, error) {
	extra := map[string]authorizationv1.ExtraValue{}
	for k, v := range csr.Spec.Extra {
		extra[k] = authorizationv1.ExtraValue(v)
	}
	sar, err := r.Kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
		Spec: authorizationv1.SubjectAccessReviewSpec{
			User: csr.Spec.Username, UID: csr.Spec.UID, Groups: csr.Spec.Groups, Extra: extra,
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Group: "certificates.k8s.io", Resource: "certificatesigningrequests", Verb: "create", Subresource: subresource, Version: "*",
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return false, err
	}
	return sar.Status.Allowed, nil
}
