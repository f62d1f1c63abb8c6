package podautoscaler

import (
	"context"
	"fmt"
	"math"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// objectReplicas computes replicas for an Object metric with a Value
// target: the ratio scales the ready pods.
func (c *calculator) objectReplicas(ctx context.Context, current int32, target int64, name string, tol tolerances, namespace string,
	ref *autoscalingv2.CrossVersionObjectReference, selector, metricSelector labels.Selector) (int32, int64, time.Time, error) {
	usage, _, err := c.source.ObjectMetric(ctx, name, namespace, ref, metricSelector)
	if err != nil {
		return 0, 0, time.Time{}, fmt.Errorf("unable to get metric %s on %s %s/%s: %w", name, ref.Kind, namespace, ref.Name, err)
	}
	n, err := c.ratioReplicas(ctx, current, float64(usage)/float64(target), tol, namespace, selector)
	return n, usage, time.Time{}, err
}

// ratioReplicas scales the ready pods by ratio; from zero replicas it
// scales to ceil(ratio), ignoring the tolerance, so a target scaled to
// zero can come back.
func (c *calculator) ratioReplicas(ctx context.Context, current int32, ratio float64, tol tolerances, namespace string, selector labels.Selector) (int32, error) {
	if current == 0 {
		return int32(math.Ceil(ratio)), nil
	}
	if tol.within(ratio) {
		return current, nil
	}
	ready, err := c.readyPods(ctx, namespace, selector)
	if err != nil {
		return 0, fmt.Errorf("unable to calculate ready pods: %s", err)
	}
	return clampInt32(math.Ceil(ratio * float64(ready))), nil
}

func clampInt32(f float64) int32 {
	if f > math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(f)
}

// objectPerPodReplicas computes replicas for an Object metric with an
// AverageValue target: the value divided among the current replicas.
func (c *calculator) objectPerPodReplicas(ctx context.Context, statusReplicas int32, target int64, name string, tol tolerances, namespace string,
	ref *autoscalingv2.CrossVersionObjectReference, metricSelector labels.Selector) (int32, int64, time.Time, error) {
	usage, ts, err := c.source.ObjectMetric(ctx, name, namespace, ref, metricSelector)
	if err != nil {
		return 0, 0, time.Time{}, fmt.Errorf("unable to get metric %s on %s %s/%s: %w", name, ref.Kind, namespace, ref.Name, err)
	}
	n := statusReplicas
	if !tol.within(float64(usage) / (float64(target) * float64(n))) {
		n = int32(math.Ceil(float64(usage) / float64(target)))
	}
	return n, int64(math.Ceil(float64(usage) / float64(statusReplicas))), ts, nil
}

// externalSum fetches an External metric and sums its series, saturating.
func (c *calculator) externalSum(ctx context.Context, name, namespace string, metricSelector *metav1.LabelSelector) (int64, time.Time, error) {
	sel, err := metav1.LabelSelectorAsSelector(metricSelector)
	if err != nil {
		return 0, time.Time{}, err
	}
	values, ts, err := c.source.ExternalMetric(ctx, name, namespace, sel)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("unable to get external metric %s/%s/%+v: %s", namespace, name, metricSelector, err)
	}
	var sum int64
	for _, v := range values {
		if v > 0 && sum > math.MaxInt64-v {
			return math.MaxInt64, ts, nil
		}
		sum += v
	}
	return sum, ts, nil
}

// externalReplicas computes replicas for an External metric with a Value
// target.
func (c *calculator) externalReplicas(ctx context.Context, current int32, target int64, name string, tol tolerances, namespace string,
	metricSelector *metav1.LabelSelector, selector labels.Selector) (int32, int64, time.Time, error) {
	usage, _, err := c.externalSum(ctx, name, namespace, metricSelector)
	if err != nil {
		return 0, 0, time.Time{}, err
	}
	n, err := c.ratioReplicas(ctx, current, float64(usage)/float64(target), tol, namespace, selector)
	return n, usage, time.Time{}, err
}

// externalPerPodReplicas computes replicas for an External metric with an
// AverageValue target.
func (c *calculator) externalPerPodReplicas(ctx context.Context, statusReplicas int32, target int64, name string, tol tolerances, namespace string,
	metricSelector *metav1.LabelSelector) (int32, int64, time.Time, error) {
	usage, ts, err := c.externalSum(ctx, name, namespace, metricSelector)
	if err != nil {
		return 0, 0, time.Time{}, err
	}
	n := statusReplicas
	if !tol.within(float64(usage) / (float64(target) * float64(n))) {
		n = clampInt32(math.Ceil(float64(usage) / float64(target)))
	}
	if float64(usage) < float64(math.MaxInt64) {
		usage = int64(math.Ceil(float64(usage) / float64(statusReplicas)))
	}
	return n, usage, ts, nil
}
