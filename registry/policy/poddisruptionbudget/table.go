package poddisruptionbudget

import (
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, MIN AVAILABLE, MAX UNAVAILABLE, ALLOWED DISRUPTIONS, AGE.
var Table = table.Convertor[*policyv1.PodDisruptionBudget]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Min Available", Type: "string", Description: "The minimum number of pods that must be available."},
		{Name: "Max Unavailable", Type: "string", Description: "The maximum number of pods that may be unavailable."},
		{Name: "Allowed Disruptions", Type: "integer", Description: "Calculated number of pods that may be disrupted at this time."},
		table.AgeColumn,
	},
	Row: func(pdb *policyv1.PodDisruptionBudget) []interface{} {
		minA, maxU := "N/A", "N/A"
		if pdb.Spec.MinAvailable != nil {
			minA = pdb.Spec.MinAvailable.String()
		}
		if pdb.Spec.MaxUnavailable != nil {
			maxU = pdb.Spec.MaxUnavailable.String()
		}
		return []interface{}{pdb.Name, minA, maxU, int64(pdb.Status.DisruptionsAllowed), table.Age(pdb.CreationTimestamp)}
	},
}
