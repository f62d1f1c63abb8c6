package clustertrustbundle

import (
	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, SIGNERNAME.
var Table = table.Convertor[*certificatesv1.ClusterTrustBundle]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "SignerName", Type: "string", Description: certificatesv1.ClusterTrustBundleSpec{}.SwaggerDoc()["signerName"]},
	},
	Row: func(o *certificatesv1.ClusterTrustBundle) []interface{} {
		s := "<none>"
		if o.Spec.SignerName != "" {
			s = o.Spec.SignerName
		}
		return []interface{}{o.Name, s}
	},
}
