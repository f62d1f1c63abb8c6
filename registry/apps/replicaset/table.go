package replicaset

import (
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/apps/internal/workload"
	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, DESIRED, CURRENT, READY, AGE and, wide, CONTAINERS,
// IMAGES, SELECTOR.
var Table = table.Convertor[*appsv1.ReplicaSet]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Desired", Type: "integer", Description: appsv1.ReplicaSetSpec{}.SwaggerDoc()["replicas"]},
		{Name: "Current", Type: "integer", Description: appsv1.ReplicaSetStatus{}.SwaggerDoc()["replicas"]},
		{Name: "Ready", Type: "integer", Description: appsv1.ReplicaSetStatus{}.SwaggerDoc()["readyReplicas"]},
		table.AgeColumn,
		workload.ContainersColumn,
		workload.ImagesColumn,
		{Name: "Selector", Type: "string", Priority: 1, Description: appsv1.ReplicaSetSpec{}.SwaggerDoc()["selector"]},
	},
	Row: func(rs *appsv1.ReplicaSet) []interface{} {
		names, images := workload.ContainerCells(rs.Spec.Template.Spec.Containers)
		return []interface{}{rs.Name, int64(workload.Replicas(rs.Spec.Replicas)), int64(rs.Status.Replicas),
			int64(rs.Status.ReadyReplicas), table.Age(rs.CreationTimestamp),
			names, images, metav1.FormatLabelSelector(rs.Spec.Selector)}
	},
}
