package namespace

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, STATUS, AGE.
var Table = table.Convertor[*corev1.Namespace]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Status", Type: "string", Description: "The status of the namespace"},
		table.AgeColumn,
	},
	Row: func(ns *corev1.Namespace) []interface{} {
		return []interface{}{ns.Name, string(ns.Status.Phase), table.Age(ns.CreationTimestamp)}
	},
}
