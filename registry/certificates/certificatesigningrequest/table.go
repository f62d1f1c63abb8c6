package certificatesigningrequest

import (
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, AGE, SIGNERNAME, REQUESTOR, REQUESTEDDURATION, CONDITION.
var Table = table.Convertor[*certificatesv1.CertificateSigningRequest]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		table.AgeColumn,
		{Name: "SignerName", Type: "string", Description: certificatesv1.CertificateSigningRequestSpec{}.SwaggerDoc()["signerName"]},
		{Name: "Requestor", Type: "string", Description: certificatesv1.CertificateSigningRequestSpec{}.SwaggerDoc()["request"]},
		{Name: "RequestedDuration", Type: "string", Description: certificatesv1.CertificateSigningRequestSpec{}.SwaggerDoc()["expirationSeconds"]},
		{Name: "Condition", Type: "string", Description: certificatesv1.CertificateSigningRequestStatus{}.SwaggerDoc()["conditions"]},
	},
	Row: func(csr *certificatesv1.CertificateSigningRequest) []interface{} {
		signerName := "<none>"
		if csr.Spec.SignerName != "" {
			signerName = csr.Spec.SignerName
		}
		requested := "<none>"
		if csr.Spec.ExpirationSeconds != nil {
			requested = duration.HumanDuration(time.Duration(*csr.Spec.ExpirationSeconds) * time.Second)
		}
		return []interface{}{csr.Name, table.Age(csr.CreationTimestamp), signerName, csr.Spec.Username, requested, Condition(csr)}
	},
}

// Condition summarises a CSR's state as kubectl prints it: Approved,
// Denied or Pending, then ",Failed" and ",Issued".
func Condition(csr *certificatesv1.CertificateSigningRequest) string {
	var approved, denied, failed bool
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateApproved:
			approved = true
		case certificatesv1.CertificateDenied:
			denied = true
		case certificatesv1.CertificateFailed:
			failed = true
		}
	}
	status := "Pending"
	if denied {
		status = "Denied"
	} else if approved {
		status = "Approved"
	}
	if failed {
		status += ",Failed"
	}
	if len(csr.Status.Certificate) > 0 {
		status += ",Issued"
	}
	return status
}
