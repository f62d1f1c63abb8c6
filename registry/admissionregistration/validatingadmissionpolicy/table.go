package validatingadmissionpolicy

import (
	arv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/admissionregistration/admissionvalidation"
	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, VALIDATIONS, PARAMKIND, AGE.
var Table = table.Convertor[*arv1.ValidatingAdmissionPolicy]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Validations", Type: "integer", Description: "Validations indicates the number of validation rules defined in this configuration"},
		{Name: "ParamKind", Type: "string", Description: "ParamKind specifies the kind of resources used to parameterize this policy"},
		table.AgeColumn,
	},
	Row: func(o *arv1.ValidatingAdmissionPolicy) []interface{} {
		return []interface{}{o.Name, int64(len(o.Spec.Validations)), admissionvalidation.ParamKindString(o.Spec.ParamKind), table.Age(o.CreationTimestamp)}
	},
}
