package csrsigning

import (
	"context"
	"fmt"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Reconciler signs approved requests of the Signers with CA.
type Reconciler struct {
	Client client.Client
	CA     *Authority
}

// SetupWithManager watches CertificateSigningRequests.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("csrsigning").
		For(&certificatesv1.CertificateSigningRequest{}).
		Complete(r)
}

// Reconcile issues the certificate of one request, or fails it.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	csr := &certificatesv1.CertificateSigningRequest{}
	if err := r.Client.Get(ctx, req.NamespacedName, csr); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	validate, ours := Signers[csr.Spec.SignerName]
	if !ours || !Approved(csr) || HasTrueCondition(csr, certificatesv1.CertificateFailed) || len(csr.Status.Certificate) > 0 {
		return ctrl.Result{}, nil
	}
	x509cr, err := ParseCSR(csr.Spec.Request)
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("unable to parse csr %q: %v", csr.Name, err)
	}
	if err := validate(x509cr, csr.Spec.Usages); err != nil {
		csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
			Type: certificatesv1.CertificateFailed, Status: corev1.ConditionTrue, Reason: "SignerValidationFailure",
			Message: err.Error(), LastUpdateTime: metav1.Now(),
		})
		if err := r.Client.Status().Update(ctx, csr); err != nil {
			return ctrl.Result{}, fmt.Errorf("error adding failure condition for csr: %v", err)
		}
		return ctrl.Result{}, nil
	}
	cert, err := r.CA.Sign(x509cr, csr.Spec.Usages, csr.Spec.ExpirationSeconds)
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("error auto signing csr: %v", err)
	}
	csr.Status.Certificate = cert
	if err := r.Client.Status().Update(ctx, csr); err != nil {
		return ctrl.Result{}, fmt.Errorf("error updating signature for csr: %v", err)
	}
	return ctrl.Result{}, nil
}

// Approved tells whether csr is approved and not denied.
func Approved(csr *certificatesv1.CertificateSigningRequest) bool {
	approved, denied := ApprovalState(csr)
	return approved && !denied
}

// ApprovalState reports the Approved and Denied conditions.
func ApprovalState(csr *certificatesv1.CertificateSigningRequest) (approved, denied bool) {
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateApproved:
			approved = true
		case certificatesv1.CertificateDenied:
			denied = true
		}
	}
	return approved, denied
}

// HasTrueCondition tells whether csr has condition t with status True.
func HasTrueCondition(csr *certificatesv1.CertificateSigningRequest, t certificatesv1.RequestConditionType) bool {
	for _, c := range csr.Status.Conditions {
		if c.Type == t && (c.Status == "" || c.Status == corev1.ConditionTrue) {
			return true
		}
	}
	return false
}
