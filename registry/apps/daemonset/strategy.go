package daemonset

import (
	"context"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/apis/core/podspec"
	"github.com/skiff-k8s/skiff/registry/apps/internal/workload"
	"github.com/skiff-k8s/skiff/registry/strategy"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&appsv1.DaemonSet{}, func(obj interface{}) { SetDefaults(obj.(*appsv1.DaemonSet)) })
	apis.Scheme.AddTypeDefaultingFunc(&appsv1.DaemonSetList{}, func(obj interface{}) {
		l := obj.(*appsv1.DaemonSetList)
		for i := range l.Items {
			SetDefaults(&l.Items[i])
		}
	})
}

// SetDefaults applies upstream's apps/v1 DaemonSet defaults.
func SetDefaults(ds *appsv1.DaemonSet) {
	us := &ds.Spec.UpdateStrategy
	if us.Type == "" {
		us.Type = appsv1.RollingUpdateDaemonSetStrategyType
	}
	if us.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if us.RollingUpdate == nil {
			us.RollingUpdate = &appsv1.RollingUpdateDaemonSet{}
		}
		if us.RollingUpdate.MaxUnavailable == nil {
			v := intstr.FromInt32(1)
			us.RollingUpdate.MaxUnavailable = &v
		}
		if us.RollingUpdate.MaxSurge == nil {
			v := intstr.FromInt32(0)
			us.RollingUpdate.MaxSurge = &v
		}
	}
	if ds.Spec.RevisionHistoryLimit == nil {
		ten := int32(10)
		ds.Spec.RevisionHistoryLimit = &ten
	}
	podspec.SetDefaultsPodTemplateSpec(&ds.Spec.Template)
	// Upstream keeps spec.templateGeneration in its internal version only
	// and always writes it to this annotation in apps/v1 ("0" when a request
	// lacks it, before the strategy sets the real value): the field manager
	// sees it already at decode time, so it is done here too.
	if _, ok := ds.Annotations[appsv1.DeprecatedTemplateGeneration]; !ok {
		if ds.Annotations == nil {
			ds.Annotations = map[string]string{}
		}
		ds.Annotations[appsv1.DeprecatedTemplateGeneration] = "0"
	}
}

// templateGeneration returns the value of the deprecated template
// generation annotation (0 when absent or not a number).
func templateGeneration(ds *appsv1.DaemonSet) int64 {
	v, err := strconv.ParseInt(ds.Annotations[appsv1.DeprecatedTemplateGeneration], 10, 64)
	if err != nil {
		return 0
	}
	return v
}

func setTemplateGeneration(ds *appsv1.DaemonSet, g int64) {
	if ds.Annotations == nil {
		ds.Annotations = map[string]string{}
	}
	ds.Annotations[appsv1.DeprecatedTemplateGeneration] = strconv.FormatInt(g, 10)
}

type dsStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of DaemonSets.
var Strategy = dsStrategy{strategy.Namespaced()}

func (dsStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return workload.ResetStatus()
}

func (dsStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	ds := obj.(*appsv1.DaemonSet)
	ds.Status = appsv1.DaemonSetStatus{}
	ds.Generation = 1
	g := templateGeneration(ds)
	if g < 1 {
		g = 1
	}
	setTemplateGeneration(ds, g)
}

// PrepareForUpdate keeps the status and bumps the generation on a spec
// change.
func (dsStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	ds, prev := obj.(*appsv1.DaemonSet), old.(*appsv1.DaemonSet)
	ds.Status = prev.Status
	// The template generation cannot be set by an update; it follows
	// changes of the pod template.
	g := templateGeneration(prev)
	if !apiequality.Semantic.DeepEqual(ds.Spec.Template, prev.Spec.Template) {
		g++
	}
	setTemplateGeneration(ds, g)
	if !apiequality.Semantic.DeepEqual(ds.Spec, prev.Spec) {
		ds.Generation = prev.Generation + 1
	}
}

func (dsStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*appsv1.DaemonSet))
}

func (dsStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*appsv1.DaemonSet), old.(*appsv1.DaemonSet))
}

// Validate checks a DaemonSet as upstream's ValidateDaemonSet.
func Validate(ds *appsv1.DaemonSet) field.ErrorList {
	errs := validation.ValidateObjectMeta(&ds.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, validateSpec(&ds.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate adds the immutable selector.
func ValidateUpdate(ds, old *appsv1.DaemonSet) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&ds.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, validation.ValidateImmutableField(ds.Spec.Selector, old.Spec.Selector, field.NewPath("spec", "selector"))...)
	return append(errs, validateSpec(&ds.Spec, field.NewPath("spec"))...)
}

func validateSpec(spec *appsv1.DaemonSetSpec, p *field.Path) field.ErrorList {
	errs := metav1validation.ValidateLabelSelector(spec.Selector, metav1validation.LabelSelectorValidationOptions{}, p.Child("selector"))
	if spec.Selector == nil {
		errs = append(errs, field.Required(p.Child("selector"), ""))
	}
	if sel, err := metav1.LabelSelectorAsSelector(spec.Selector); err == nil && !sel.Matches(labels.Set(spec.Template.Labels)) {
		errs = append(errs, field.Invalid(p.Child("template", "metadata", "labels"), spec.Template.Labels, "`selector` does not match template `labels`"))
	}
	if spec.Selector != nil && len(spec.Selector.MatchLabels)+len(spec.Selector.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(p.Child("selector"), spec.Selector, "empty selector is invalid for daemonset"))
	}
	// The selector match is checked above, so the template is checked
	// against no selector.
	errs = append(errs, workload.ValidateTemplate(&spec.Template, &metav1.LabelSelector{}, p.Child("template"), "DaemonSet")...)
	errs = append(errs, workload.NonNegative(int64(spec.MinReadySeconds), p.Child("minReadySeconds"))...)
	errs = append(errs, validateUpdateStrategy(&spec.UpdateStrategy, p.Child("updateStrategy"))...)
	return append(errs, workload.NonNegativePtr(spec.RevisionHistoryLimit, p.Child("revisionHistoryLimit"))...)
}

func validateUpdateStrategy(s *appsv1.DaemonSetUpdateStrategy, p *field.Path) field.ErrorList {
	switch s.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
		return nil
	case appsv1.RollingUpdateDaemonSetStrategyType:
		if s.RollingUpdate == nil {
			return field.ErrorList{field.Required(p.Child("rollingUpdate"), "")}
		}
		rp := p.Child("rollingUpdate")
		var mu, ms intstr.IntOrString
		if s.RollingUpdate.MaxUnavailable != nil {
			mu = *s.RollingUpdate.MaxUnavailable
		}
		if s.RollingUpdate.MaxSurge != nil {
			ms = *s.RollingUpdate.MaxSurge
		}
		errs := workload.ValidatePositiveIntOrPercent(mu, rp.Child("maxUnavailable"))
		errs = append(errs, workload.ValidatePositiveIntOrPercent(ms, rp.Child("maxSurge"))...)
		errs = append(errs, workload.NotMoreThan100Percent(mu, rp.Child("maxUnavailable"))...)
		errs = append(errs, workload.NotMoreThan100Percent(ms, rp.Child("maxSurge"))...)
		hasU, hasS := workload.IntOrPercentValue(mu) != 0, workload.IntOrPercentValue(ms) != 0
		switch {
		case hasU && hasS:
			errs = append(errs, field.Invalid(rp.Child("maxSurge"), ms, "may not be set when maxUnavailable is non-zero"))
		case !hasU && !hasS:
			errs = append(errs, field.Required(rp.Child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
		}
		return errs
	}
	return field.ErrorList{field.NotSupported(p, s, []string{string(appsv1.RollingUpdateDaemonSetStrategyType), string(appsv1.OnDeleteDaemonSetStrategyType)})}
}

type statusStrategy struct{ dsStrategy }

// StatusStrategy updates only .status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return workload.ResetSpec()
}

func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	ds, prev := obj.(*appsv1.DaemonSet), old.(*appsv1.DaemonSet)
	ds.Spec = prev.Spec
	// The annotation stands for upstream's spec.templateGeneration.
	setTemplateGeneration(ds, templateGeneration(prev))
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	ds, prev := obj.(*appsv1.DaemonSet), old.(*appsv1.DaemonSet)
	errs := validation.ValidateObjectMetaUpdate(&ds.ObjectMeta, &prev.ObjectMeta, field.NewPath("metadata"))
	s, p := ds.Status, field.NewPath("status")
	errs = append(errs, workload.NonNegative(int64(s.CurrentNumberScheduled), p.Child("currentNumberScheduled"))...)
	errs = append(errs, workload.NonNegative(int64(s.NumberMisscheduled), p.Child("numberMisscheduled"))...)
	errs = append(errs, workload.NonNegative(int64(s.DesiredNumberScheduled), p.Child("desiredNumberScheduled"))...)
	errs = append(errs, workload.NonNegative(int64(s.NumberReady), p.Child("numberReady"))...)
	errs = append(errs, workload.NonNegative(s.ObservedGeneration, p.Child("observedGeneration"))...)
	errs = append(errs, workload.NonNegative(int64(s.UpdatedNumberScheduled), p.Child("updatedNumberScheduled"))...)
	errs = append(errs, workload.NonNegative(int64(s.NumberAvailable), p.Child("numberAvailable"))...)
	errs = append(errs, workload.NonNegative(int64(s.NumberUnavailable), p.Child("numberUnavailable"))...)
	errs = append(errs, workload.NonNegativePtr(s.CollisionCount, p.Child("collisionCount"))...)
	return append(errs, workload.CollisionCount(s.CollisionCount, prev.Status.CollisionCount)...)
}
