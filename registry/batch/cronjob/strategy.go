package cronjob

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/batch/job"
	"github.com/skiff-k8s/skiff/registry/strategy"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&batchv1.CronJob{}, func(obj interface{}) { SetDefaults(obj.(*batchv1.CronJob)) })
	apis.Scheme.AddTypeDefaultingFunc(&batchv1.CronJobList{}, func(obj interface{}) {
		l := obj.(*batchv1.CronJobList)
		for i := range l.Items {
			SetDefaults(&l.Items[i])
		}
	})
}

func ptr[T any](v T) *T { return &v }

// SetDefaults applies upstream's batch/v1 CronJob defaults (the job
// template gets only its nested defaults, not the Job's own).
func SetDefaults(cj *batchv1.CronJob) {
	if cj.Spec.ConcurrencyPolicy == "" {
		cj.Spec.ConcurrencyPolicy = batchv1.AllowConcurrent
	}
	if cj.Spec.Suspend == nil {
		cj.Spec.Suspend = ptr(false)
	}
	if cj.Spec.SuccessfulJobsHistoryLimit == nil {
		cj.Spec.SuccessfulJobsHistoryLimit = ptr[int32](3)
	}
	if cj.Spec.FailedJobsHistoryLimit == nil {
		cj.Spec.FailedJobsHistoryLimit = ptr[int32](1)
	}
	job.SetDefaultsSpecNested(&cj.Spec.JobTemplate.Spec)
}

type cronJobStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of CronJobs.
var Strategy = cronJobStrategy{strategy.Namespaced()}

func (cronJobStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{"batch/v1": fieldpath.NewSet(fieldpath.MakePathOrDie("status"))}
}

func (cronJobStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	cj := obj.(*batchv1.CronJob)
	cj.Status = batchv1.CronJobStatus{}
	cj.Generation = 1
}

func (cronJobStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	cj, prev := obj.(*batchv1.CronJob), old.(*batchv1.CronJob)
	cj.Status = prev.Status
	if !apiequality.Semantic.DeepEqual(cj.Spec, prev.Spec) {
		cj.Generation = prev.Generation + 1
	}
}

func (cronJobStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*batchv1.CronJob))
}

func (cronJobStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*batchv1.CronJob), old.(*batchv1.CronJob))
}

// Validate checks a new CronJob as upstream's ValidateCronJobCreate.
func Validate(cj *batchv1.CronJob) field.ErrorList {
	errs := validation.ValidateObjectMeta(&cj.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	errs = append(errs, validateSpec(&cj.Spec, nil, field.NewPath("spec"))...)
	if len(cj.Name) > 52 {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), cj.Name, "must be no more than 52 characters"))
	}
	return errs
}

// ValidateUpdate checks an updated CronJob.
func ValidateUpdate(cj, old *batchv1.CronJob) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&cj.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, validateSpec(&cj.Spec, &old.Spec, field.NewPath("spec"))...)
}

func validateSpec(spec, old *batchv1.CronJobSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.Schedule == "" {
		errs = append(errs, field.Required(p.Child("schedule"), ""))
	} else {
		allowTZ := old != nil && strings.Contains(old.Schedule, "TZ")
		errs = append(errs, validateSchedule(spec.Schedule, allowTZ, spec.TimeZone, p.Child("schedule"))...)
	}
	if spec.StartingDeadlineSeconds != nil {
		errs = append(errs, validation.ValidateNonnegativeField(*spec.StartingDeadlineSeconds, p.Child("startingDeadlineSeconds"))...)
	}
	if old == nil || !equalPtr(old.TimeZone, spec.TimeZone) {
		errs = append(errs, validateTimeZone(spec.TimeZone, p.Child("timeZone"))...)
	}
	switch cp := p.Child("concurrencyPolicy"); spec.ConcurrencyPolicy {
	case batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent:
	case "":
		errs = append(errs, field.Required(cp, ""))
	default:
		errs = append(errs, field.NotSupported(cp, spec.ConcurrencyPolicy, []batchv1.ConcurrencyPolicy{batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent}))
	}
	jp := p.Child("jobTemplate", "spec")
	errs = append(errs, job.ValidateSpec(&spec.JobTemplate.Spec, jp)...)
	if spec.JobTemplate.Spec.Selector != nil {
		errs = append(errs, field.Invalid(jp.Child("selector"), spec.JobTemplate.Spec.Selector, "`selector` will be auto-generated"))
	}
	if m := spec.JobTemplate.Spec.ManualSelector; m != nil && *m {
		errs = append(errs, field.NotSupported(jp.Child("manualSelector"), spec.JobTemplate.Spec.ManualSelector, []string{"nil", "false"}))
	}
	if v := spec.SuccessfulJobsHistoryLimit; v != nil {
		errs = append(errs, validation.ValidateNonnegativeField(int64(*v), p.Child("successfulJobsHistoryLimit"))...)
	}
	if v := spec.FailedJobsHistoryLimit; v != nil {
		errs = append(errs, validation.ValidateNonnegativeField(int64(*v), p.Child("failedJobsHistoryLimit"))...)
	}
	return errs
}

func equalPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func validateSchedule(schedule string, allowTZ bool, timeZone *string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if err := parseSchedule(schedule); err != nil {
		errs = append(errs, field.Invalid(p, schedule, err.Error()))
	}
	switch {
	case allowTZ && strings.Contains(schedule, "TZ") && timeZone != nil:
		errs = append(errs, field.Invalid(p, schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
	case !allowTZ && strings.Contains(schedule, "TZ"):
		errs = append(errs, field.Invalid(p, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
	}
	return errs
}

var validTimeZoneCharacters = regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`)

func validateTimeZone(tz *string, p *field.Path) field.ErrorList {
	if tz == nil {
		return nil
	}
	if *tz == "" {
		return field.ErrorList{field.Invalid(p, tz, "timeZone must be nil or non-empty string")}
	}
	for _, part := range strings.Split(*tz, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !validTimeZoneCharacters.MatchString(part) {
			return field.ErrorList{field.Invalid(p, tz, fmt.Sprintf("unknown time zone %s", *tz))}
		}
	}
	var errs field.ErrorList
	if strings.EqualFold(*tz, "Local") {
		errs = append(errs, field.Invalid(p, tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"))
	}
	if _, err := time.LoadLocation(*tz); err != nil {
		errs = append(errs, field.Invalid(p, tz, err.Error()))
	}
	return errs
}

type statusStrategy struct{ cronJobStrategy }

// StatusStrategy updates only .status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{"batch/v1": fieldpath.NewSet(fieldpath.MakePathOrDie("spec"))}
}

func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*batchv1.CronJob).Spec = old.(*batchv1.CronJob).Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	cj := obj.(*batchv1.CronJob)
	return validation.ValidateObjectMetaUpdate(&cj.ObjectMeta, &old.(*batchv1.CronJob).ObjectMeta, field.NewPath("metadata"))
}
