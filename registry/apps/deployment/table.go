package deployment

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/apps/internal/workload"
	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, READY, UP-TO-DATE, AVAILABLE, AGE and, wide,
// CONTAINERS, IMAGES, SELECTOR.
var Table = table.Convertor[*appsv1.Deployment]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Ready", Type: "string", Description: "Number of the pod with ready state"},
		{Name: "Up-to-date", Type: "string", Description: appsv1.DeploymentStatus{}.SwaggerDoc()["updatedReplicas"]},
		{Name: "Available", Type: "string", Description: appsv1.DeploymentStatus{}.SwaggerDoc()["availableReplicas"]},
		table.AgeColumn,
		workload.ContainersColumn,
		workload.ImagesColumn,
		{Name: "Selector", Type: "string", Priority: 1, Description: appsv1.DeploymentSpec{}.SwaggerDoc()["selector"]},
	},
	Row: func(d *appsv1.Deployment) []interface{} {
		selector := "<invalid>"
		if s, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err == nil {
			selector = s.String()
		}
		names, images := workload.ContainerCells(d.Spec.Template.Spec.Containers)
		return []interface{}{d.Name, fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, replicas(d)),
			int64(d.Status.UpdatedReplicas), int64(d.Status.AvailableReplicas), table.Age(d.CreationTimestamp),
			names, images, selector}
	},
}
