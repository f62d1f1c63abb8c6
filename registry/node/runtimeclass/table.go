package runtimeclass

import (
	nodev1 "k8s.io/api/node/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, HANDLER, AGE.
var Table = table.Convertor[*nodev1.RuntimeClass]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Handler", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["handler"]},
		table.AgeColumn,
	},
	Row: func(rc *nodev1.RuntimeClass) []interface{} {
		return []interface{}{rc.Name, rc.Handler, table.Age(rc.CreationTimestamp)}
	},
}
