package csinode

import (
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, DRIVERS, AGE.
var Table = table.Convertor[*storagev1.CSINode]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Drivers", Type: "integer", Description: "Drivers indicates the number of CSI drivers registered on the node"},
		table.AgeColumn,
	},
	Row: func(n *storagev1.CSINode) []interface{} {
		return []interface{}{n.Name, int64(len(n.Spec.Drivers)), table.Age(n.CreationTimestamp)}
	},
}
