package podautoscaler

import (
	"context"
	"errors"
	"fmt"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// proposal is what one metric asks for.
type proposal struct {
	replicas int32
	metric   string // names the metric in rescale reasons and conditions
	at       time.Time
}

// replicasForMetrics computes the replicas each metric of the HPA asks for
// and returns the largest, with the status of every metric. A failed
// metric is skipped unless all failed or the rest would scale down; then
// it returns -1 and ScalingActive says why. It may return replicas and an
// error together: scale on the metrics that worked.
func (r *Reconciler) replicasForMetrics(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, scale *autoscalingv1.Scale) (proposal, []autoscalingv2.MetricStatus, error) {
	selector, err := r.parseSelector(ctx, hpa, scale.Status.Selector)
	if err != nil {
		return proposal{replicas: -1}, nil, err
	}
	specs := hpa.Spec.Metrics
	statuses := make([]autoscalingv2.MetricStatus, len(specs))
	var best proposal
	invalid := 0
	var firstErr error
	var firstCond autoscalingv2.HorizontalPodAutoscalerCondition
	for i, spec := range specs {
		p, cond, err := r.replicasForMetric(ctx, hpa, spec, scale.Spec.Replicas, scale.Status.Replicas, selector, &statuses[i])
		if err != nil {
			if invalid == 0 {
				firstErr, firstCond = err, cond
			}
			invalid++
			continue
		}
		if best.replicas == 0 || p.replicas > best.replicas {
			best = p
		}
	}
	if firstErr != nil {
		firstErr = fmt.Errorf("invalid metrics (%v invalid out of %v), first error is: %w", invalid, len(specs), firstErr)
	}
	if invalid >= len(specs) || (invalid > 0 && best.replicas < scale.Spec.Replicas) {
		setCondition(hpa, firstCond.Type, firstCond.Status, firstCond.Reason, "%s", firstCond.Message)
		return proposal{replicas: -1}, statuses, firstErr
	}
	setCondition(hpa, autoscalingv2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound", "the HPA was able to successfully calculate a replica count from %s", best.metric)
	return best, statuses, firstErr
}

// unableToCompute records an event for a failed metric and returns the
// ScalingActive condition that reports it.
func (r *Reconciler) unableToCompute(hpa *autoscalingv2.HorizontalPodAutoscaler, reason string, err error) autoscalingv2.HorizontalPodAutoscalerCondition {
	r.Recorder.Event(hpa, corev1.EventTypeWarning, reason, err.Error())
	return autoscalingv2.HorizontalPodAutoscalerCondition{
		Type: autoscalingv2.ScalingActive, Status: corev1.ConditionFalse, Reason: reason,
		Message: fmt.Sprintf("the HPA was unable to compute the replica count: %v", err),
	}
}

// replicasForMetric computes what one metric asks for and fills its status.
func (r *Reconciler) replicasForMetric(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, spec autoscalingv2.MetricSpec,
	specReplicas, statusReplicas int32, selector labels.Selector, status *autoscalingv2.MetricStatus) (proposal, autoscalingv2.HorizontalPodAutoscalerCondition, error) {
	var none autoscalingv2.HorizontalPodAutoscalerCondition
	switch spec.Type {
	case autoscalingv2.ObjectMetricSourceType:
		msel, err := metav1.LabelSelectorAsSelector(spec.Object.Metric.Selector)
		if err != nil {
			return proposal{}, r.unableToCompute(hpa, "FailedGetObjectMetric", err), fmt.Errorf("failed to get object metric value: %w", err)
		}
		p, cond, err := r.objectMetric(ctx, specReplicas, statusReplicas, spec, hpa, selector, status, msel)
		if err != nil {
			return p, cond, fmt.Errorf("failed to get object metric value: %w", err)
		}
		return p, none, nil
	case autoscalingv2.PodsMetricSourceType:
		msel, err := metav1.LabelSelectorAsSelector(spec.Pods.Metric.Selector)
		if err != nil {
			return proposal{}, r.unableToCompute(hpa, "FailedGetPodsMetric", err), fmt.Errorf("failed to get pods metric value: %w", err)
		}
		p, cond, err := r.podsMetric(ctx, specReplicas, spec, hpa, selector, status, msel)
		if err != nil {
			return p, cond, fmt.Errorf("failed to get pods metric value: %w", err)
		}
		return p, none, nil
	case autoscalingv2.ResourceMetricSourceType:
		p, cur, err := r.resourceMetric(ctx, specReplicas, spec.Resource.Target, spec.Resource.Name, hpa, "", selector, false)
		if err != nil {
			return p, r.unableToCompute(hpa, "FailedGetResourceMetric", err), fmt.Errorf("failed to get %s resource metric value: %w", spec.Resource.Name, err)
		}
		*status = autoscalingv2.MetricStatus{Type: spec.Type, Resource: &autoscalingv2.ResourceMetricStatus{Name: spec.Resource.Name, Current: cur}}
		return p, none, nil
	case autoscalingv2.ContainerResourceMetricSourceType:
		cr := spec.ContainerResource
		p, cur, err := r.resourceMetric(ctx, specReplicas, cr.Target, cr.Name, hpa, cr.Container, selector, true)
		if err != nil {
			return p, r.unableToCompute(hpa, "FailedGetContainerResourceMetric", err), fmt.Errorf("failed to get %s container metric value: %w", cr.Container, err)
		}
		*status = autoscalingv2.MetricStatus{Type: spec.Type, ContainerResource: &autoscalingv2.ContainerResourceMetricStatus{Name: cr.Name, Container: cr.Container, Current: cur}}
		return p, none, nil
	case autoscalingv2.ExternalMetricSourceType:
		return r.externalMetric(ctx, specReplicas, statusReplicas, spec, hpa, selector, status)
	}
	err := fmt.Errorf("unknown metric source type %q", string(spec.Type))
	return proposal{}, r.unableToCompute(hpa, "InvalidMetricSourceType", err), err
}

// resourceMetric computes a Resource or ContainerResource metric.
func (r *Reconciler) resourceMetric(ctx context.Context, current int32, target autoscalingv2.MetricTarget, name corev1.ResourceName,
	hpa *autoscalingv2.HorizontalPodAutoscaler, container string, selector labels.Selector, isContainer bool) (proposal, autoscalingv2.MetricValueStatus, error) {
	tol := tolerancesOf(hpa)
	if target.AverageValue != nil {
		n, usage, ts, err := r.calc.rawResourceReplicas(ctx, current, target.AverageValue.MilliValue(), name, tol, hpa.Namespace, selector, container)
		if err != nil {
			return proposal{}, autoscalingv2.MetricValueStatus{}, fmt.Errorf("failed to get %s usage: %w", name, err)
		}
		q := quantityOf(name, usage)
		return proposal{n, fmt.Sprintf("%s resource", name), ts}, autoscalingv2.MetricValueStatus{AverageValue: &q}, nil
	}
	if target.AverageUtilization == nil {
		return proposal{}, autoscalingv2.MetricValueStatus{}, errors.New("invalid resource metric source: neither an average utilization target nor an average value (usage) target was set")
	}
	n, pct, raw, ts, err := r.calc.resourceReplicas(ctx, current, *target.AverageUtilization, name, tol, hpa.Namespace, selector, container)
	if err != nil {
		return proposal{}, autoscalingv2.MetricValueStatus{}, fmt.Errorf("failed to get %s utilization: %w", name, err)
	}
	metric := fmt.Sprintf("%s resource utilization (percentage of request)", name)
	if isContainer {
		metric = fmt.Sprintf("%s container resource utilization (percentage of request)", name)
	}
	q := quantityOf(name, raw)
	return proposal{n, metric, ts}, autoscalingv2.MetricValueStatus{AverageUtilization: &pct, AverageValue: &q}, nil
}

// quantityOf formats a milli-value as metrics-server does: memory in
// binary units, everything else in decimal.
func quantityOf(name corev1.ResourceName, milli int64) resource.Quantity {
	format := resource.DecimalSI
	if name == corev1.ResourceMemory {
		format = resource.BinarySI
	}
	return *resource.NewMilliQuantity(milli, format)
}

// podsMetric computes a Pods metric.
func (r *Reconciler) podsMetric(ctx context.Context, current int32, spec autoscalingv2.MetricSpec, hpa *autoscalingv2.HorizontalPodAutoscaler,
	selector labels.Selector, status *autoscalingv2.MetricStatus, msel labels.Selector) (proposal, autoscalingv2.HorizontalPodAutoscalerCondition, error) {
	n, usage, ts, err := r.calc.podsMetricReplicas(ctx, current, spec.Pods.Target.AverageValue.MilliValue(), spec.Pods.Metric.Name, tolerancesOf(hpa), hpa.Namespace, selector, msel)
	if err != nil {
		return proposal{at: ts}, r.unableToCompute(hpa, "FailedGetPodsMetric", err), err
	}
	*status = autoscalingv2.MetricStatus{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricStatus{
		Metric:  autoscalingv2.MetricIdentifier{Name: spec.Pods.Metric.Name, Selector: spec.Pods.Metric.Selector},
		Current: autoscalingv2.MetricValueStatus{AverageValue: resource.NewMilliQuantity(usage, resource.DecimalSI)},
	}}
	return proposal{n, fmt.Sprintf("pods metric %s", spec.Pods.Metric.Name), ts}, autoscalingv2.HorizontalPodAutoscalerCondition{}, nil
}

// objectMetric computes an Object metric.
func (r *Reconciler) objectMetric(ctx context.Context, specReplicas, statusReplicas int32, spec autoscalingv2.MetricSpec, hpa *autoscalingv2.HorizontalPodAutoscaler,
	selector labels.Selector, status *autoscalingv2.MetricStatus, msel labels.Selector) (proposal, autoscalingv2.HorizontalPodAutoscalerCondition, error) {
	o := spec.Object
	st := autoscalingv2.MetricStatus{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricStatus{
		DescribedObject: o.DescribedObject,
		Metric:          autoscalingv2.MetricIdentifier{Name: o.Metric.Name, Selector: o.Metric.Selector},
	}}
	tol := tolerancesOf(hpa)
	switch {
	case o.Target.Type == autoscalingv2.ValueMetricType && o.Target.Value != nil:
		n, usage, ts, err := r.calc.objectReplicas(ctx, specReplicas, o.Target.Value.MilliValue(), o.Metric.Name, tol, hpa.Namespace, &o.DescribedObject, selector, msel)
		if err != nil {
			return proposal{at: ts}, r.unableToCompute(hpa, "FailedGetObjectMetric", err), err
		}
		st.Object.Current.Value = resource.NewMilliQuantity(usage, resource.DecimalSI)
		*status = st
		return proposal{n, fmt.Sprintf("%s metric %s", o.DescribedObject.Kind, o.Metric.Name), ts}, autoscalingv2.HorizontalPodAutoscalerCondition{}, nil
	case o.Target.Type == autoscalingv2.AverageValueMetricType && o.Target.AverageValue != nil:
		n, usage, ts, err := r.calc.objectPerPodReplicas(ctx, statusReplicas, o.Target.AverageValue.MilliValue(), o.Metric.Name, tol, hpa.Namespace, &o.DescribedObject, msel)
		if err != nil {
			return proposal{}, r.unableToCompute(hpa, "FailedGetObjectMetric", err), fmt.Errorf("failed to get %s object metric: %w", o.Metric.Name, err)
		}
		st.Object.Current.AverageValue = resource.NewMilliQuantity(usage, resource.DecimalSI)
		*status = st
		// upstream names this case an external metric too
		return proposal{n, fmt.Sprintf("external metric %s(%+v)", o.Metric.Name, o.Metric.Selector), ts}, autoscalingv2.HorizontalPodAutoscalerCondition{}, nil
	}
	err := errors.New("invalid object metric source: neither a value target nor an average value target was set")
	return proposal{}, r.unableToCompute(hpa, "FailedGetObjectMetric", err), err
}

// externalMetric computes an External metric; its errors are wrapped as
// upstream wraps them.
func (r *Reconciler) externalMetric(ctx context.Context, specReplicas, statusReplicas int32, spec autoscalingv2.MetricSpec, hpa *autoscalingv2.HorizontalPodAutoscaler,
	selector labels.Selector, status *autoscalingv2.MetricStatus) (proposal, autoscalingv2.HorizontalPodAutoscalerCondition, error) {
	e := spec.External
	tol := tolerancesOf(hpa)
	id := autoscalingv2.MetricIdentifier{Name: e.Metric.Name, Selector: e.Metric.Selector}
	metric := fmt.Sprintf("external metric %s(%+v)", e.Metric.Name, e.Metric.Selector)
	var cur autoscalingv2.MetricValueStatus
	var n int32
	var ts time.Time
	switch {
	case e.Target.AverageValue != nil:
		var usage int64
		var err error
		n, usage, ts, err = r.calc.externalPerPodReplicas(ctx, statusReplicas, e.Target.AverageValue.MilliValue(), e.Metric.Name, tol, hpa.Namespace, e.Metric.Selector)
		if err != nil {
			return proposal{}, r.unableToCompute(hpa, "FailedGetExternalMetric", err), fmt.Errorf("failed to get %s external metric value: failed to get %s external metric: %w", e.Metric.Name, e.Metric.Name, err)
		}
		cur.AverageValue = resource.NewMilliQuantity(usage, resource.DecimalSI)
	case e.Target.Value != nil:
		var usage int64
		var err error
		n, usage, ts, err = r.calc.externalReplicas(ctx, specReplicas, e.Target.Value.MilliValue(), e.Metric.Name, tol, hpa.Namespace, e.Metric.Selector, selector)
		if err != nil {
			return proposal{}, r.unableToCompute(hpa, "FailedGetExternalMetric", err), fmt.Errorf("failed to get %s external metric value: failed to get external metric %s: %w", e.Metric.Name, e.Metric.Name, err)
		}
		cur.Value = resource.NewMilliQuantity(usage, resource.DecimalSI)
	default:
		err := errors.New("invalid external metric source: neither a value target nor an average value target was set")
		return proposal{}, r.unableToCompute(hpa, "FailedGetExternalMetric", err), fmt.Errorf("failed to get %s external metric value: %w", e.Metric.Name, err)
	}
	*status = autoscalingv2.MetricStatus{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricStatus{Metric: id, Current: cur}}
	return proposal{n, metric, ts}, autoscalingv2.HorizontalPodAutoscalerCondition{}, nil
}
