package mutatingadmissionpolicy

import (
	arv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/admissionregistration/admissionvalidation"
	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, MUTATIONS, PARAMKIND, AGE.
var Table = table.Convertor[*arv1.MutatingAdmissionPolicy]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Mutations", Type: "integer", Description: "Mutation indicates the number of mutations rules defined in this configuration"},
		{Name: "ParamKind", Type: "string", Description: "ParamKind specifies the kind of resources used to parameterize this policy"},
		table.AgeColumn,
	},
	Row: func(o *arv1.MutatingAdmissionPolicy) []interface{} {
		return []interface{}{o.Name, int64(len(o.Spec.Mutations)), admissionvalidation.ParamKindString(o.Spec.ParamKind), table.Age(o.CreationTimestamp)}
	},
}
