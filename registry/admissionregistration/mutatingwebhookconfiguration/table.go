package mutatingwebhookconfiguration

import (
	arv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, WEBHOOKS, AGE.
var Table = table.Convertor[*arv1.MutatingWebhookConfiguration]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Webhooks", Type: "integer", Description: "Webhooks indicates the number of webhooks registered in this configuration"},
		table.AgeColumn,
	},
	Row: func(o *arv1.MutatingWebhookConfiguration) []interface{} {
		return []interface{}{o.Name, int64(len(o.Webhooks)), table.Age(o.CreationTimestamp)}
	},
}
