package resourceclaimtemplate

import (
	resourcev1 "k8s.io/api/resource/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, AGE.
var Table = table.Convertor[*resourcev1.ResourceClaimTemplate]{
	Columns: []metav1.TableColumnDefinition{table.NameColumn, table.AgeColumn},
	Row: func(t *resourcev1.ResourceClaimTemplate) []interface{} {
		return []interface{}{t.Name, table.Age(t.CreationTimestamp)}
	},
}
