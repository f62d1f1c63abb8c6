package horizontalpodautoscaler

import (
	"context"
	"fmt"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type hpaStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of autoscalers.
var Strategy = hpaStrategy{strategy.Namespaced()}

func (hpaStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"autoscaling/v1": fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
		"autoscaling/v2": fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

func (hpaStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	h := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	h.Status = autoscalingv2.HorizontalPodAutoscalerStatus{}
	h.Generation = 1
}

func (hpaStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	h, prev := obj.(*autoscalingv2.HorizontalPodAutoscaler), old.(*autoscalingv2.HorizontalPodAutoscaler)
	h.Status = prev.Status
	if !apiequality.Semantic.DeepEqual(h.Spec, prev.Spec) {
		h.Generation = prev.Generation + 1
	}
}

func (hpaStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*autoscalingv2.HorizontalPodAutoscaler))
}

func (hpaStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*autoscalingv2.HorizontalPodAutoscaler), old.(*autoscalingv2.HorizontalPodAutoscaler))
}

type refOptions struct{ allowEmptyGroup, allowInvalidAPIVersion bool }

// Validate checks a new autoscaler as upstream (HPAScaleToZero is on by
// default in 1.37, so minReplicas may be 0 with an Object or External metric).
func Validate(h *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	errs := validation.ValidateObjectMeta(&h.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, validateSpec(&h.Spec, field.NewPath("spec"), targetOptions(h, nil))...)
}

// ValidateUpdate checks an updated autoscaler.
func ValidateUpdate(h, old *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&h.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, validateSpec(&h.Spec, field.NewPath("spec"), targetOptions(h, old))...)
}

func targetOptions(h, old *autoscalingv2.HorizontalPodAutoscaler) refOptions {
	var o refOptions
	switch {
	case old != nil && old.Spec.ScaleTargetRef.APIVersion == h.Spec.ScaleTargetRef.APIVersion && old.Spec.ScaleTargetRef.Kind == h.Spec.ScaleTargetRef.Kind:
		o.allowInvalidAPIVersion = true
	case h.Spec.ScaleTargetRef.Kind == "ReplicationController":
		o.allowEmptyGroup = true
	}
	return o
}

func validateSpec(spec *autoscalingv2.HorizontalPodAutoscalerSpec, p *field.Path, refOpts refOptions) field.ErrorList {
	var errs field.ErrorList
	if spec.MinReplicas != nil && *spec.MinReplicas < 0 {
		errs = append(errs, field.Invalid(p.Child("minReplicas"), *spec.MinReplicas, "must be greater than or equal to 0"))
	}
	if spec.MaxReplicas == 0 {
		errs = append(errs, field.Required(p.Child("maxReplicas"), "must be set and greater than 0"))
	} else if spec.MaxReplicas < 0 {
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), spec.MaxReplicas, "must be greater than or equal to 1"))
	}
	if spec.MinReplicas != nil && spec.MaxReplicas < *spec.MinReplicas {
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), spec.MaxReplicas, "must be greater than or equal to `minReplicas`"))
	}
	errs = append(errs, validateRef(spec.ScaleTargetRef, p.Child("scaleTargetRef"), refOpts)...)
	hasObjectOrExternal := false
	for i, m := range spec.Metrics {
		errs = append(errs, validateMetric(m, p.Child("metrics").Index(i))...)
		if m.Type == autoscalingv2.ObjectMetricSourceType || m.Type == autoscalingv2.ExternalMetricSourceType {
			hasObjectOrExternal = true
		}
	}
	if spec.MinReplicas != nil && *spec.MinReplicas == 0 && !hasObjectOrExternal {
		errs = append(errs, field.Forbidden(p.Child("metrics"), "must specify at least one Object or External metric to support scaling to zero replicas"))
	}
	if b := spec.Behavior; b != nil {
		errs = append(errs, validateRules(b.ScaleUp, p.Child("behavior", "scaleUp"))...)
		errs = append(errs, validateRules(b.ScaleDown, p.Child("behavior", "scaleDown"))...)
	}
	return errs
}

func validateRef(ref autoscalingv2.CrossVersionObjectReference, p *field.Path, o refOptions) field.ErrorList {
	var errs field.ErrorList
	if ref.Kind == "" {
		errs = append(errs, field.Required(p.Child("kind"), ""))
	} else {
		for _, msg := range path.IsValidPathSegmentName(ref.Kind) {
			errs = append(errs, field.Invalid(p.Child("kind"), ref.Kind, msg))
		}
	}
	if ref.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	} else {
		for _, msg := range path.IsValidPathSegmentName(ref.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), ref.Name, msg))
		}
	}
	if !o.allowInvalidAPIVersion {
		gv, err := schema.ParseGroupVersion(ref.APIVersion)
		if err == nil && !o.allowEmptyGroup && gv.Group == "" {
			err = fmt.Errorf("apiVersion must specify API group")
		}
		if err != nil {
			errs = append(errs, field.Invalid(p.Child("apiVersion"), ref.APIVersion, err.Error()))
		}
	}
	return errs
}

var metricTypes = []string{string(autoscalingv2.ContainerResourceMetricSourceType), string(autoscalingv2.ExternalMetricSourceType),
	string(autoscalingv2.ObjectMetricSourceType), string(autoscalingv2.PodsMetricSourceType), string(autoscalingv2.ResourceMetricSourceType)}

func validateMetric(m autoscalingv2.MetricSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if m.Type == "" {
		errs = append(errs, field.Required(p.Child("type"), "must specify a metric source type"))
	}
	present := map[string]bool{"object": m.Object != nil, "pods": m.Pods != nil, "resource": m.Resource != nil,
		"external": m.External != nil, "containerResource": m.ContainerResource != nil}
	var expected string
	switch m.Type {
	case autoscalingv2.ObjectMetricSourceType:
		expected = "object"
	case autoscalingv2.PodsMetricSourceType:
		expected = "pods"
	case autoscalingv2.ResourceMetricSourceType:
		expected = "resource"
	case autoscalingv2.ExternalMetricSourceType:
		expected = "external"
	case autoscalingv2.ContainerResourceMetricSourceType:
		expected = "containerResource"
	default:
		errs = append(errs, field.NotSupported(p.Child("type"), m.Type, metricTypes))
	}
	if expected != "" && !present[expected] {
		errs = append(errs, field.Required(p.Child(expected), "must populate information for the given metric source"))
	}
	n := 0
	for _, ok := range present {
		if ok {
			n++
		}
	}
	if n > 1 {
		for _, k := range []string{"object", "external", "pods", "resource", "containerResource"} {
			if present[k] && k != expected {
				errs = append(errs, field.Forbidden(p.Child(k), "must populate the given metric source only"))
			}
		}
	}
	if r := m.Resource; r != nil && expected == "resource" {
		errs = append(errs, validateResourceTarget(string(r.Name), r.Target, p.Child("resource"))...)
	}
	if r := m.ContainerResource; r != nil && expected == "containerResource" {
		errs = append(errs, validateResourceTarget(string(r.Name), r.Target, p.Child("containerResource"))...)
		if r.Container == "" {
			errs = append(errs, field.Required(p.Child("containerResource", "container"), "must populate container name"))
		}
	}
	if r := m.Pods; r != nil && expected == "pods" {
		errs = append(errs, validateMetricName(r.Metric, p.Child("pods", "metric"))...)
		if r.Target.AverageValue == nil {
			errs = append(errs, field.Required(p.Child("pods", "target", "averageValue"), "must specify a positive target averageValue"))
		}
	}
	if r := m.Object; r != nil && expected == "object" {
		errs = append(errs, validateRef(r.DescribedObject, p.Child("object", "describedObject"), refOptions{allowEmptyGroup: true})...)
		errs = append(errs, validateMetricName(r.Metric, p.Child("object", "metric"))...)
		if r.Target.Value == nil && r.Target.AverageValue == nil {
			errs = append(errs, field.Required(p.Child("object", "target", "averageValue"), "must set either a target value or averageValue"))
		}
	}
	if r := m.External; r != nil && expected == "external" {
		errs = append(errs, validateMetricName(r.Metric, p.Child("external", "metric"))...)
		if r.Target.Value == nil && r.Target.AverageValue == nil {
			errs = append(errs, field.Required(p.Child("external", "target", "averageValue"), "must set either a target value for metric or a per-pod target"))
		}
		if r.Target.Value != nil && r.Target.AverageValue != nil {
			errs = append(errs, field.Forbidden(p.Child("external", "target", "value"), "may not set both a target value for metric and a per-pod target"))
		}
	}
	return errs
}

func validateMetricName(m autoscalingv2.MetricIdentifier, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if m.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), "must specify a metric name"))
	} else {
		for _, msg := range path.IsValidPathSegmentName(m.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), m.Name, msg))
		}
	}
	if m.Selector != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(m.Selector, metav1validation.LabelSelectorValidationOptions{}, p.Child("selector"))...)
	}
	return errs
}

func validateResourceTarget(name string, t autoscalingv2.MetricTarget, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(p.Child("name"), "must specify a resource name"))
	}
	tp := p.Child("target")
	switch t.Type {
	case "":
		errs = append(errs, field.Required(tp.Child("type"), "must specify a metric target type"))
	case autoscalingv2.UtilizationMetricType, autoscalingv2.ValueMetricType, autoscalingv2.AverageValueMetricType:
	default:
		errs = append(errs, field.NotSupported(tp.Child("type"), t.Type, []string{string(autoscalingv2.UtilizationMetricType), string(autoscalingv2.ValueMetricType), string(autoscalingv2.AverageValueMetricType)}))
	}
	if t.AverageUtilization == nil && t.AverageValue == nil {
		errs = append(errs, field.Required(tp.Child("averageUtilization"), "must set either a target raw value or a target utilization"))
	}
	if t.AverageUtilization != nil && t.AverageValue != nil {
		errs = append(errs, field.Forbidden(tp.Child("averageValue"), "may not set both a target raw value and a target utilization"))
	}
	if t.AverageUtilization != nil && *t.AverageUtilization < 1 {
		errs = append(errs, field.Invalid(tp.Child("averageUtilization"), *t.AverageUtilization, "must be greater than 0"))
	}
	return errs
}

const (
	maxPeriodSeconds              int32 = 1800
	maxStabilizationWindowSeconds int32 = 3600
)

func validateRules(r *autoscalingv2.HPAScalingRules, p *field.Path) field.ErrorList {
	if r == nil {
		return nil
	}
	var errs field.ErrorList
	if w := r.StabilizationWindowSeconds; w != nil && *w < 0 {
		errs = append(errs, field.Invalid(p.Child("stabilizationWindowSeconds"), w, "must be greater than or equal to zero"))
	} else if w != nil && *w > maxStabilizationWindowSeconds {
		errs = append(errs, field.Invalid(p.Child("stabilizationWindowSeconds"), w, fmt.Sprintf("must be less than or equal to %v", maxStabilizationWindowSeconds)))
	}
	if s := r.SelectPolicy; s != nil && *s != autoscalingv2.MaxChangePolicySelect && *s != autoscalingv2.MinChangePolicySelect && *s != autoscalingv2.DisabledPolicySelect {
		errs = append(errs, field.NotSupported(p.Child("selectPolicy"), r.SelectPolicy, []string{"Disabled", "Max", "Min"}))
	}
	if len(r.Policies) == 0 {
		errs = append(errs, field.Required(p.Child("policies"), "must specify at least one Policy"))
	}
	for i, pol := range r.Policies {
		pp := p.Child("policies").Index(i)
		if pol.Type != autoscalingv2.PodsScalingPolicy && pol.Type != autoscalingv2.PercentScalingPolicy {
			errs = append(errs, field.NotSupported(pp.Child("type"), pol.Type, []string{"Percent", "Pods"}))
		}
		if pol.Value <= 0 {
			errs = append(errs, field.Invalid(pp.Child("value"), pol.Value, "must be greater than zero"))
		}
		if pol.PeriodSeconds <= 0 {
			errs = append(errs, field.Invalid(pp.Child("periodSeconds"), pol.PeriodSeconds, "must be greater than zero"))
		}
		if pol.PeriodSeconds > maxPeriodSeconds {
			errs = append(errs, field.Invalid(pp.Child("periodSeconds"), pol.PeriodSeconds, fmt.Sprintf("must be less than or equal to %v", maxPeriodSeconds)))
		}
	}
	if r.Tolerance != nil && r.Tolerance.Sign() < 0 {
		errs = append(errs, field.Invalid(p.Child("tolerance"), r.Tolerance.String(), "must be greater than or equal to 0"))
	}
	return errs
}

type statusStrategy struct{ hpaStrategy }

// StatusStrategy updates only .status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"autoscaling/v1": fieldpath.NewSet(fieldpath.MakePathOrDie("spec")),
		"autoscaling/v2": fieldpath.NewSet(fieldpath.MakePathOrDie("spec")),
	}
}

func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*autoscalingv2.HorizontalPodAutoscaler).Spec = old.(*autoscalingv2.HorizontalPodAutoscaler).Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	h := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	errs := validation.ValidateObjectMetaUpdate(&h.ObjectMeta, &old.(*autoscalingv2.HorizontalPodAutoscaler).ObjectMeta, field.NewPath("metadata"))
	for i, c := range h.Status.Conditions {
		if c.ObservedGeneration != nil {
			errs = append(errs, validation.ValidateNonnegativeField(*c.ObservedGeneration, field.NewPath("status", "conditions").Index(i).Child("observedGeneration"))...)
		}
	}
	errs = append(errs, validation.ValidateNonnegativeField(int64(h.Status.CurrentReplicas), field.NewPath("status", "currentReplicas"))...)
	return append(errs, validation.ValidateNonnegativeField(int64(h.Status.DesiredReplicas), field.NewPath("status", "desiredReplicas"))...)
}
