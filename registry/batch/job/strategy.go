package job

import (
	"context"
	"fmt"
	"math"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/apis/core/podspec"
	"github.com/skiff-k8s/skiff/registry/strategy"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&batchv1.Job{}, func(obj interface{}) { SetDefaults(obj.(*batchv1.Job)) })
	apis.Scheme.AddTypeDefaultingFunc(&batchv1.JobList{}, func(obj interface{}) {
		l := obj.(*batchv1.JobList)
		for i := range l.Items {
			SetDefaults(&l.Items[i])
		}
	})
}

func ptr[T any](v T) *T { return &v }

// SetDefaults applies upstream's batch/v1 Job defaults.
func SetDefaults(j *batchv1.Job) {
	s := &j.Spec
	if s.Completions == nil && s.Parallelism == nil {
		s.Completions = ptr[int32](1)
		s.Parallelism = ptr[int32](1)
	}
	if s.Parallelism == nil {
		s.Parallelism = ptr[int32](1)
	}
	if s.BackoffLimit == nil {
		if s.BackoffLimitPerIndex != nil {
			s.BackoffLimit = ptr[int32](math.MaxInt32)
		} else {
			s.BackoffLimit = ptr[int32](6)
		}
	}
	if s.Template.Labels != nil && len(j.Labels) == 0 {
		j.Labels = s.Template.Labels
	}
	if s.CompletionMode == nil {
		s.CompletionMode = ptr(batchv1.NonIndexedCompletion)
	}
	if s.Suspend == nil {
		s.Suspend = ptr(false)
	}
	if s.PodReplacementPolicy == nil {
		if s.PodFailurePolicy != nil {
			s.PodReplacementPolicy = ptr(batchv1.Failed)
		} else {
			s.PodReplacementPolicy = ptr(batchv1.TerminatingOrFailed)
		}
	}
	if s.ManualSelector == nil {
		s.ManualSelector = ptr(false)
	}
	SetDefaultsSpecNested(s)
}

// SetDefaultsSpecNested applies the defaults inside a JobSpec that also
// apply to a CronJob's job template: pod failure policy patterns and the
// pod template.
func SetDefaultsSpecNested(s *batchv1.JobSpec) {
	if s.PodFailurePolicy != nil {
		for i := range s.PodFailurePolicy.Rules {
			for k := range s.PodFailurePolicy.Rules[i].OnPodConditions {
				c := &s.PodFailurePolicy.Rules[i].OnPodConditions[k]
				if c.Status == "" {
					c.Status = corev1.ConditionTrue
				}
			}
		}
	}
	podspec.SetDefaultsPodTemplateSpec(&s.Template)
}

type jobStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of Jobs.
var Strategy = jobStrategy{strategy.Namespaced()}

var _ rest.GarbageCollectionDeleteStrategy = Strategy

// DefaultGarbageCollectionPolicy orphans a batch/v1 job's pods unless the
// client asks otherwise, for backwards compatibility as upstream.
func (jobStrategy) DefaultGarbageCollectionPolicy(ctx context.Context) rest.GarbageCollectionPolicy {
	if info, ok := genericapirequest.RequestInfoFrom(ctx); ok &&
		(schema.GroupVersion{Group: info.APIGroup, Version: info.APIVersion}) == batchv1.SchemeGroupVersion {
		return rest.OrphanDependents
	}
	return rest.DeleteDependents
}

func (jobStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{"batch/v1": fieldpath.NewSet(fieldpath.MakePathOrDie("status"))}
}

// PrepareForCreate generates the selector and template labels unless the
// user manages the selector, and clears the status.
func (jobStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	j := obj.(*batchv1.Job)
	if j.Spec.ManualSelector == nil || !*j.Spec.ManualSelector {
		generateSelector(j)
	}
	j.Status = batchv1.JobStatus{}
	j.Generation = 1
}

func generateSelector(j *batchv1.Job) {
	if j.Spec.Template.Labels == nil {
		j.Spec.Template.Labels = map[string]string{}
	}
	for _, k := range []string{legacyJobNameLabel, batchv1.JobNameLabel} {
		if _, ok := j.Spec.Template.Labels[k]; !ok {
			j.Spec.Template.Labels[k] = j.Name
		}
	}
	for _, k := range []string{legacyControllerUIDLabel, batchv1.ControllerUidLabel} {
		if _, ok := j.Spec.Template.Labels[k]; !ok {
			j.Spec.Template.Labels[k] = string(j.UID)
		}
	}
	if j.Spec.Selector == nil {
		j.Spec.Selector = &metav1.LabelSelector{}
	}
	if j.Spec.Selector.MatchLabels == nil {
		j.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, ok := j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel]; !ok {
		j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] = string(j.UID)
	}
}

func (jobStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	j, prev := obj.(*batchv1.Job), old.(*batchv1.Job)
	j.Status = prev.Status
	if !apiequality.Semantic.DeepEqual(j.Spec, prev.Spec) {
		j.Generation = prev.Generation + 1
	}
}

func (jobStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*batchv1.Job))
}

func (jobStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*batchv1.Job), old.(*batchv1.Job))
}

// Validate checks a new Job as upstream's ValidateJobCreate.
func Validate(j *batchv1.Job) field.ErrorList {
	errs := validation.ValidateObjectMeta(&j.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	errs = append(errs, validateGeneratedSelector(j, true)...)
	errs = append(errs, validateSpecWithSelector(&j.Spec, field.NewPath("spec"))...)
	return append(errs, validateNameAllowsCompletions(j)...)
}

func validateGeneratedSelector(j *batchv1.Job, batchLabels bool) field.ErrorList {
	if j.Spec.ManualSelector != nil && *j.Spec.ManualSelector || j.Spec.Selector == nil {
		return nil
	}
	var errs field.ErrorList
	if j.UID == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "uid"), ""))
	}
	tp := field.NewPath("spec", "template", "metadata")
	hasLabel := func(k, v string) {
		switch got, ok := j.Spec.Template.Labels[k]; {
		case !ok:
			errs = append(errs, field.Required(tp.Child("labels").Key(k), fmt.Sprintf("must be '%s'", v)))
		case got != v:
			errs = append(errs, field.Invalid(tp.Child("labels").Key(k), got, fmt.Sprintf("must be '%s'", v)))
		}
	}
	expected := map[string]string{
		legacyControllerUIDLabel: string(j.UID),
		legacyJobNameLabel:       j.Name,
	}
	hasLabel(legacyControllerUIDLabel, string(j.UID))
	hasLabel(legacyJobNameLabel, j.Name)
	if batchLabels {
		hasLabel(batchv1.ControllerUidLabel, string(j.UID))
		hasLabel(batchv1.JobNameLabel, j.Name)
		expected[batchv1.ControllerUidLabel] = string(j.UID)
		expected[batchv1.JobNameLabel] = j.Name
	}
	if sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector); err == nil && !sel.Matches(labels.Set(expected)) {
		errs = append(errs, field.Invalid(field.NewPath("spec", "selector"), j.Spec.Selector, "`selector` not auto-generated"))
	}
	return errs
}

func validateNameAllowsCompletions(j *batchv1.Job) field.ErrorList {
	if j.Spec.CompletionMode == nil || *j.Spec.CompletionMode != batchv1.IndexedCompletion || j.Spec.Completions == nil || *j.Spec.Completions <= 0 {
		return nil
	}
	host := fmt.Sprintf("%s-%d", j.Name, *j.Spec.Completions-1)
	if len(validation.NameIsDNSLabel(host, false)) > 0 {
		return field.ErrorList{field.Invalid(field.NewPath("metadata", "name"), j.Name,
			fmt.Sprintf("will not able to create pod with invalid DNS label: %s", host))}
	}
	return nil
}

// validateSpecWithSelector is upstream's ValidateJobSpec: the spec plus a
// required selector matching the template's labels.
func validateSpecWithSelector(spec *batchv1.JobSpec, p *field.Path) field.ErrorList {
	errs := ValidateSpec(spec, p)
	if spec.Selector == nil {
		errs = append(errs, field.Required(p.Child("selector"), ""))
	} else {
		errs = append(errs, metav1validation.ValidateLabelSelector(spec.Selector, metav1validation.LabelSelectorValidationOptions{}, p.Child("selector"))...)
	}
	if sel, err := metav1.LabelSelectorAsSelector(spec.Selector); err == nil && !sel.Matches(labels.Set(spec.Template.Labels)) {
		errs = append(errs, field.Invalid(p.Child("template", "metadata", "labels"), spec.Template.Labels, "`selector` does not match template `labels`"))
	}
	return errs
}

const (
	maxParallelismForIndexedJob   = 100000
	maxFailedIndexesForIndexedJob = 100000
	maxPodFailurePolicyRules      = 20
	maxManagedByLength            = 63
)

func nonNegative(v *int32, p *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	return validation.ValidateNonnegativeField(int64(*v), p)
}

// ValidateSpec checks a JobSpec without its selector (upstream's
// validateJobSpec); CronJob job templates use it too.
func ValidateSpec(spec *batchv1.JobSpec, p *field.Path) field.ErrorList {
	errs := nonNegative(spec.Parallelism, p.Child("parallelism"))
	errs = append(errs, nonNegative(spec.Completions, p.Child("completions"))...)
	if spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, validation.ValidateNonnegativeField(*spec.ActiveDeadlineSeconds, p.Child("activeDeadlineSeconds"))...)
	}
	errs = append(errs, nonNegative(spec.BackoffLimit, p.Child("backoffLimit"))...)
	errs = append(errs, nonNegative(spec.TTLSecondsAfterFinished, p.Child("ttlSecondsAfterFinished"))...)
	errs = append(errs, nonNegative(spec.BackoffLimitPerIndex, p.Child("backoffLimitPerIndex"))...)
	if spec.MaxFailedIndexes != nil {
		errs = append(errs, nonNegative(spec.MaxFailedIndexes, p.Child("maxFailedIndexes"))...)
		if spec.BackoffLimitPerIndex == nil {
			errs = append(errs, field.Required(p.Child("backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
		}
	}
	if spec.ManagedBy != nil {
		errs = append(errs, utilvalidation.IsDomainPrefixedPath(p.Child("managedBy"), *spec.ManagedBy)...)
		if len(*spec.ManagedBy) > maxManagedByLength {
			errs = append(errs, field.TooLong(p.Child("managedBy"), "", maxManagedByLength))
		}
	}
	indexed := spec.CompletionMode != nil && *spec.CompletionMode == batchv1.IndexedCompletion
	if spec.CompletionMode != nil {
		if m := *spec.CompletionMode; m != batchv1.NonIndexedCompletion && m != batchv1.IndexedCompletion {
			errs = append(errs, field.NotSupported(p.Child("completionMode"), spec.CompletionMode, []batchv1.CompletionMode{batchv1.NonIndexedCompletion, batchv1.IndexedCompletion}))
		}
		if indexed {
			if spec.Completions == nil {
				errs = append(errs, field.Required(p.Child("completions"), fmt.Sprintf("when completion mode is %s", batchv1.IndexedCompletion)))
			}
			if spec.Parallelism != nil && *spec.Parallelism > maxParallelismForIndexedJob {
				errs = append(errs, field.Invalid(p.Child("parallelism"), *spec.Parallelism, fmt.Sprintf("must be less than or equal to %d when completion mode is %s", maxParallelismForIndexedJob, batchv1.IndexedCompletion)))
			}
			if spec.Completions != nil && spec.MaxFailedIndexes != nil && *spec.MaxFailedIndexes > *spec.Completions {
				errs = append(errs, field.Invalid(p.Child("maxFailedIndexes"), *spec.MaxFailedIndexes, "must be less than or equal to completions"))
			}
			if spec.MaxFailedIndexes != nil && *spec.MaxFailedIndexes > maxFailedIndexesForIndexedJob {
				errs = append(errs, field.Invalid(p.Child("maxFailedIndexes"), *spec.MaxFailedIndexes, fmt.Sprintf("must be less than or equal to %d", maxFailedIndexesForIndexedJob)))
			}
		}
	}
	if !indexed {
		if spec.BackoffLimitPerIndex != nil {
			errs = append(errs, field.Invalid(p.Child("backoffLimitPerIndex"), *spec.BackoffLimitPerIndex, "requires indexed completion mode"))
		}
		if spec.MaxFailedIndexes != nil {
			errs = append(errs, field.Invalid(p.Child("maxFailedIndexes"), *spec.MaxFailedIndexes, "requires indexed completion mode"))
		}
		if spec.SuccessPolicy != nil {
			errs = append(errs, field.Invalid(p.Child("successPolicy"), *spec.SuccessPolicy, "requires indexed completion mode"))
		}
	}
	if spec.PodFailurePolicy != nil && len(spec.PodFailurePolicy.Rules) > maxPodFailurePolicyRules {
		errs = append(errs, field.TooMany(p.Child("podFailurePolicy", "rules"), len(spec.PodFailurePolicy.Rules), maxPodFailurePolicyRules))
	}
	if r := spec.PodReplacementPolicy; r != nil {
		if spec.PodFailurePolicy != nil {
			if *r != batchv1.Failed {
				errs = append(errs, field.NotSupported(p.Child("podReplacementPolicy"), *r, []batchv1.PodReplacementPolicy{batchv1.Failed}))
			}
		} else if *r != batchv1.Failed && *r != batchv1.TerminatingOrFailed {
			errs = append(errs, field.NotSupported(p.Child("podReplacementPolicy"), *r, []batchv1.PodReplacementPolicy{batchv1.Failed, batchv1.TerminatingOrFailed}))
		}
	}
	errs = append(errs, podspec.ValidatePodTemplateSpec(&spec.Template, p.Child("template"))...)
	rp := p.Child("template", "spec", "restartPolicy")
	switch pol := spec.Template.Spec.RestartPolicy; {
	case pol == corev1.RestartPolicyAlways || pol == "":
		errs = append(errs, field.Required(rp, fmt.Sprintf("valid values: %q, %q", corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever)))
	case pol != corev1.RestartPolicyOnFailure && pol != corev1.RestartPolicyNever:
		errs = append(errs, field.NotSupported(rp, pol, []corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}))
	case spec.PodFailurePolicy != nil && pol != corev1.RestartPolicyNever:
		errs = append(errs, field.Invalid(rp, pol, fmt.Sprintf("only %q is supported when podFailurePolicy is specified", corev1.RestartPolicyNever)))
	}
	return errs
}

// ValidateUpdate checks an update as upstream's ValidateJobUpdate: the
// selector, completion mode and (unless suspended) template are immutable.
func ValidateUpdate(j, old *batchv1.Job) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&j.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	p := field.NewPath("spec")
	spec, prev := j.Spec, old.Spec
	errs = append(errs, validateSpecWithSelector(&spec, p)...)
	if spec.CompletionMode != nil && *spec.CompletionMode == batchv1.IndexedCompletion {
		if !apiequality.Semantic.DeepEqual(spec.Completions, prev.Completions) && spec.Completions != nil &&
			(spec.Parallelism == nil || *spec.Completions != *spec.Parallelism) {
			errs = append(errs, field.Invalid(p.Child("completions"), spec.Completions, "can only be modified in tandem with spec.parallelism"))
		}
	} else {
		errs = append(errs, validation.ValidateImmutableField(spec.Completions, prev.Completions, p.Child("completions"))...)
	}
	errs = append(errs, validation.ValidateImmutableField(spec.Selector, prev.Selector, p.Child("selector"))...)
	template, oldTemplate := &spec.Template, &prev.Template
	suspended := prev.Suspend != nil && *prev.Suspend
	if suspended && old.Status.StartTime == nil {
		// Scheduling directives of a suspended job that never started may change.
		oldTemplate = prev.Template.DeepCopy()
		oldTemplate.Spec.NodeSelector = template.Spec.NodeSelector
		oldTemplate.Spec.Tolerations = template.Spec.Tolerations
		oldTemplate.Spec.SchedulingGates = template.Spec.SchedulingGates
		oldTemplate.Annotations = template.Annotations
		oldTemplate.Labels = template.Labels
		if template.Spec.Affinity == nil || oldTemplate.Spec.Affinity == nil {
			oldTemplate.Spec.Affinity = template.Spec.Affinity
		} else {
			oldTemplate.Spec.Affinity.NodeAffinity = template.Spec.Affinity.NodeAffinity
		}
	}
	errs = append(errs, validation.ValidateImmutableField(template, oldTemplate, p.Child("template"))...)
	errs = append(errs, validation.ValidateImmutableField(spec.CompletionMode, prev.CompletionMode, p.Child("completionMode"))...)
	errs = append(errs, validation.ValidateImmutableField(spec.PodFailurePolicy, prev.PodFailurePolicy, p.Child("podFailurePolicy"))...)
	errs = append(errs, validation.ValidateImmutableField(spec.BackoffLimitPerIndex, prev.BackoffLimitPerIndex, p.Child("backoffLimitPerIndex"))...)
	errs = append(errs, validation.ValidateImmutableField(spec.ManagedBy, prev.ManagedBy, p.Child("managedBy"))...)
	errs = append(errs, validation.ValidateImmutableField(spec.SuccessPolicy, prev.SuccessPolicy, p.Child("successPolicy"))...)
	return append(errs, validateNameAllowsCompletions(j)...)
}

type statusStrategy struct{ jobStrategy }

// StatusStrategy updates only .status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{"batch/v1": fieldpath.NewSet(fieldpath.MakePathOrDie("spec"))}
}

func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*batchv1.Job).Spec = old.(*batchv1.Job).Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	j, prev := obj.(*batchv1.Job), old.(*batchv1.Job)
	errs := validation.ValidateObjectMetaUpdate(&j.ObjectMeta, &prev.ObjectMeta, field.NewPath("metadata"))
	s, p := j.Status, field.NewPath("status")
	errs = append(errs, validation.ValidateNonnegativeField(int64(s.Active), p.Child("active"))...)
	errs = append(errs, validation.ValidateNonnegativeField(int64(s.Succeeded), p.Child("succeeded"))...)
	errs = append(errs, validation.ValidateNonnegativeField(int64(s.Failed), p.Child("failed"))...)
	errs = append(errs, nonNegative(s.Ready, p.Child("ready"))...)
	errs = append(errs, nonNegative(s.Terminating, p.Child("terminating"))...)
	return errs
}

// The unprefixed labels upstream still sets on job templates.
const (
	legacyJobNameLabel       = "job-name"
	legacyControllerUIDLabel = "controller-uid"
)
