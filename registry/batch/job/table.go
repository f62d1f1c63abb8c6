package job

import (
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Wide columns shared with CronJobs.
var (
	ContainersColumn = metav1.TableColumnDefinition{Name: "Containers", Type: "string", Priority: 1, Description: "Names of each container in the template."}
	ImagesColumn     = metav1.TableColumnDefinition{Name: "Images", Type: "string", Priority: 1, Description: "Images referenced by each container in the template."}
	SelectorColumn   = metav1.TableColumnDefinition{Name: "Selector", Type: "string", Priority: 1, Description: batchv1.JobSpec{}.SwaggerDoc()["selector"]}
)

// ContainerCells prints the names and images of containers.
func ContainerCells(cs []corev1.Container) (names, images string) {
	n := make([]string, len(cs))
	im := make([]string, len(cs))
	for i, c := range cs {
		n[i], im[i] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(im, ",")
}

// Table prints NAME, STATUS, COMPLETIONS, DURATION, AGE and, wide,
// CONTAINERS, IMAGES, SELECTOR.
var Table = table.Convertor[*batchv1.Job]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Status", Type: "string", Description: "Status of the job."},
		{Name: "Completions", Type: "string", Description: batchv1.JobStatus{}.SwaggerDoc()["succeeded"]},
		{Name: "Duration", Type: "string", Description: "Time required to complete the job."},
		table.AgeColumn,
		ContainersColumn,
		ImagesColumn,
		SelectorColumn,
	},
	Row: func(j *batchv1.Job) []interface{} {
		var completions string
		if j.Spec.Completions != nil {
			completions = fmt.Sprintf("%d/%d", j.Status.Succeeded, *j.Spec.Completions)
		} else if j.Spec.Parallelism != nil && *j.Spec.Parallelism > 1 {
			completions = fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, *j.Spec.Parallelism)
		} else {
			completions = fmt.Sprintf("%d/1", j.Status.Succeeded)
		}
		var d string
		switch {
		case j.Status.StartTime == nil:
		case j.Status.CompletionTime == nil:
			d = duration.HumanDuration(time.Since(j.Status.StartTime.Time))
		default:
			d = duration.HumanDuration(j.Status.CompletionTime.Sub(j.Status.StartTime.Time))
		}
		names, images := ContainerCells(j.Spec.Template.Spec.Containers)
		return []interface{}{j.Name, status(j), completions, d, table.Age(j.CreationTimestamp),
			names, images, metav1.FormatLabelSelector(j.Spec.Selector)}
	},
}

func status(j *batchv1.Job) string {
	has := func(t batchv1.JobConditionType) bool {
		for _, c := range j.Status.Conditions {
			if c.Type == t && c.Status == corev1.ConditionTrue {
				return true
			}
		}
		return false
	}
	switch {
	case has(batchv1.JobComplete):
		return "Complete"
	case has(batchv1.JobFailed):
		return "Failed"
	case j.DeletionTimestamp != nil:
		return "Terminating"
	case has(batchv1.JobSuspended):
		return "Suspended"
	case has(batchv1.JobFailureTarget):
		return "FailureTarget"
	case has(batchv1.JobSuccessCriteriaMet):
		return "SuccessCriteriaMet"
	}
	return "Running"
}
