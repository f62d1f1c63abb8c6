package cronjob

import (
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/batch/job"
	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, SCHEDULE, TIMEZONE, SUSPEND, ACTIVE, LAST SCHEDULE, AGE
// and, wide, CONTAINERS, IMAGES, SELECTOR.
var Table = table.Convertor[*batchv1.CronJob]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Schedule", Type: "string", Description: batchv1.CronJobSpec{}.SwaggerDoc()["schedule"]},
		{Name: "Timezone", Type: "string", Description: batchv1.CronJobSpec{}.SwaggerDoc()["timeZone"]},
		{Name: "Suspend", Type: "boolean", Description: batchv1.CronJobSpec{}.SwaggerDoc()["suspend"]},
		{Name: "Active", Type: "integer", Description: batchv1.CronJobStatus{}.SwaggerDoc()["active"]},
		{Name: "Last Schedule", Type: "string", Description: batchv1.CronJobStatus{}.SwaggerDoc()["lastScheduleTime"]},
		table.AgeColumn,
		job.ContainersColumn,
		job.ImagesColumn,
		job.SelectorColumn,
	},
	Row: func(cj *batchv1.CronJob) []interface{} {
		last := "<none>"
		if cj.Status.LastScheduleTime != nil {
			last = table.Age(*cj.Status.LastScheduleTime)
		}
		tz := "<none>"
		if cj.Spec.TimeZone != nil {
			tz = *cj.Spec.TimeZone
		}
		suspend := "<unset>"
		if cj.Spec.Suspend != nil {
			suspend = "False"
			if *cj.Spec.Suspend {
				suspend = "True"
			}
		}
		names, images := job.ContainerCells(cj.Spec.JobTemplate.Spec.Template.Spec.Containers)
		return []interface{}{cj.Name, cj.Spec.Schedule, tz, suspend, int64(len(cj.Status.Active)), last,
			table.Age(cj.CreationTimestamp), names, images, metav1.FormatLabelSelector(cj.Spec.JobTemplate.Spec.Selector)}
	},
}
