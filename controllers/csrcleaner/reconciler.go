// Package csrcleaner deletes CertificateSigningRequests once they are of
// no more use, with kube-controller-manager's deadlines: unhandled ones
// after 24 h, denied or failed ones 1 h after that, issued ones 1 h after
// approval (or once their certificate has expired), approved but never
// issued ones after 24 h.
package csrcleaner

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	issuedExpiration  = time.Hour
	deniedExpiration  = time.Hour
	pendingExpiration = 24 * time.Hour
)

// Reconciler deletes requests past their deadline.
type Reconciler struct {
	Client client.Client
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// SetupWithManager watches CertificateSigningRequests.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("csrcleaner").
		For(&certificatesv1.CertificateSigningRequest{}).
		Complete(r)
}

// Reconcile deletes one request when its deadline has passed, else comes
// back at the deadline.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	csr := &certificatesv1.CertificateSigningRequest{}
	if err := r.Client.Get(ctx, req.NamespacedName, csr); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	deadline, ok := Deadline(csr)
	if !ok {
		return ctrl.Result{}, nil
	}
	if now.Before(deadline) {
		return ctrl.Result{RequeueAfter: deadline.Sub(now)}, nil
	}
	return ctrl.Result{}, client.IgnoreNotFound(r.Client.Delete(ctx, csr, client.Preconditions{UID: &csr.UID}))
}

// Deadline is when csr may be deleted (false: no time is known).
func Deadline(csr *certificatesv1.CertificateSigningRequest) (time.Time, bool) {
	issued := len(csr.Status.Certificate) > 0
	var out time.Time
	earliest := func(t metav1.Time, d time.Duration) {
		if t.IsZero() {
			return
		}
		if at := t.Add(d); out.IsZero() || at.Before(out) {
			out = at
		}
	}
	if len(csr.Status.Conditions) == 0 {
		earliest(csr.CreationTimestamp, pendingExpiration)
	}
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateDenied, certificatesv1.CertificateFailed:
			earliest(c.LastUpdateTime, deniedExpiration)
		case certificatesv1.CertificateApproved:
			if issued {
				earliest(c.LastUpdateTime, issuedExpiration)
			} else {
				earliest(c.LastUpdateTime, pendingExpiration)
			}
		}
	}
	if end, ok := certificateEnd(csr.Status.Certificate); ok {
		earliest(metav1.NewTime(end), 0)
	}
	return out, !out.IsZero()
}

func certificateEnd(b []byte) (time.Time, bool) {
	block, _ := pem.Decode(b)
	if block == nil {
		return time.Time{}, false
	}
	certs, err := x509.ParseCertificates(block.Bytes)
	if err != nil || len(certs) == 0 {
		return time.Time{}, false
	}
	return certs[0].NotAfter, true
}
