package configmap

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, DATA, AGE.
var Table = table.Convertor[*corev1.ConfigMap]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Data", Type: "string", Description: corev1.ConfigMap{}.SwaggerDoc()["data"]},
		table.AgeColumn,
	},
	Row: func(cm *corev1.ConfigMap) []interface{} {
		return []interface{}{cm.Name, int64(len(cm.Data) + len(cm.BinaryData)), table.Age(cm.CreationTimestamp)}
	},
}
