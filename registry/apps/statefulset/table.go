package statefulset

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/apps/internal/workload"
	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, READY, AGE and, wide, CONTAINERS, IMAGES.
var Table = table.Convertor[*appsv1.StatefulSet]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Ready", Type: "string", Description: "Number of the pod with ready state"},
		table.AgeColumn,
		workload.ContainersColumn,
		workload.ImagesColumn,
	},
	Row: func(s *appsv1.StatefulSet) []interface{} {
		names, images := workload.ContainerCells(s.Spec.Template.Spec.Containers)
		return []interface{}{s.Name, fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, workload.Replicas(s.Spec.Replicas)),
			table.Age(s.CreationTimestamp), names, images}
	},
}
