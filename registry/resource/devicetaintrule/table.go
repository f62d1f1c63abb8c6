package devicetaintrule

import (
	resourcev1 "k8s.io/api/resource/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, KEY, VALUE, EFFECT, TIMEADDED, AGE.
var Table = table.Convertor[*resourcev1.DeviceTaintRule]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Key", Type: "string", Description: resourcev1.DeviceTaint{}.SwaggerDoc()["key"]},
		{Name: "Value", Type: "string", Description: resourcev1.DeviceTaint{}.SwaggerDoc()["value"]},
		{Name: "Effect", Type: "string", Description: resourcev1.DeviceTaint{}.SwaggerDoc()["effect"]},
		{Name: "TimeAdded", Type: "string", Description: resourcev1.DeviceTaint{}.SwaggerDoc()["timeAdded"]},
		table.AgeColumn,
	},
	Row: func(r *resourcev1.DeviceTaintRule) []interface{} {
		added := ""
		if r.Spec.Taint.TimeAdded != nil {
			added = table.Age(*r.Spec.Taint.TimeAdded)
		}
		t := r.Spec.Taint
		return []interface{}{r.Name, t.Key, t.Value, string(t.Effect), added, table.Age(r.CreationTimestamp)}
	},
}
