package secret

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, TYPE, DATA, AGE.
var Table = table.Convertor[*corev1.Secret]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Type", Type: "string", Description: corev1.Secret{}.SwaggerDoc()["type"]},
		{Name: "Data", Type: "string", Description: corev1.Secret{}.SwaggerDoc()["data"]},
		table.AgeColumn,
	},
	Row: func(s *corev1.Secret) []interface{} {
		return []interface{}{s.Name, string(s.Type), int64(len(s.Data)), table.Age(s.CreationTimestamp)}
	},
}
