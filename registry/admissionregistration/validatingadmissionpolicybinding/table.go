package validatingadmissionpolicybinding

import (
	arv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/admissionregistration/admissionvalidation"
	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, POLICYNAME, PARAMREF, AGE.
var Table = table.Convertor[*arv1.ValidatingAdmissionPolicyBinding]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "PolicyName", Type: "string", Description: "PolicyName indicates the policy definition which the policy binding binded to"},
		{Name: "ParamRef", Type: "string", Description: "ParamRef indicates the param resource which sets the configuration param"},
		table.AgeColumn,
	},
	Row: func(o *arv1.ValidatingAdmissionPolicyBinding) []interface{} {
		return []interface{}{o.Name, o.Spec.PolicyName, admissionvalidation.ParamRefString(o.Spec.ParamRef), table.Age(o.CreationTimestamp)}
	},
}
