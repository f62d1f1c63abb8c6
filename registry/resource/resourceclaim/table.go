package resourceclaim

import (
	resourcev1 "k8s.io/api/resource/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, STATE, AGE.
var Table = table.Convertor[*resourcev1.ResourceClaim]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "State", Type: "string", Description: "A summary of the current state (allocated, pending, reserved, etc.)."},
		table.AgeColumn,
	},
	Row: func(c *resourcev1.ResourceClaim) []interface{} {
		return []interface{}{c.Name, State(c), table.Age(c.CreationTimestamp)}
	},
}
