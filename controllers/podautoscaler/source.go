package podautoscaler

import (
	"context"
	"errors"
	"fmt"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	custommetricsv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	resourceclient "k8s.io/metrics/pkg/client/clientset/versioned/typed/metrics/v1beta1"
	"k8s.io/metrics/pkg/client/custom_metrics"
	"k8s.io/metrics/pkg/client/external_metrics"
)

// podMetric is one pod's sample: its value in milli-units, when it was
// taken and over which window.
type podMetric struct {
	at     time.Time
	window time.Duration
	value  int64
}

// podMetrics are samples by pod name.
type podMetrics map[string]podMetric

// MetricsSource reads the metrics an HPA can scale on. Missing samples are
// not errors: callers judge pods without samples themselves.
type MetricsSource interface {
	// ResourceMetric reads a resource's usage of the pods matching
	// selector: one container's, or the sum of the containers'.
	ResourceMetric(ctx context.Context, resource corev1.ResourceName, namespace string, selector labels.Selector, container string) (podMetrics, time.Time, error)
	// PodsMetric reads a custom metric of the pods matching selector.
	PodsMetric(ctx context.Context, name, namespace string, selector, metricSelector labels.Selector) (podMetrics, time.Time, error)
	// ObjectMetric reads a custom metric describing one object.
	ObjectMetric(ctx context.Context, name, namespace string, ref *autoscalingv2.CrossVersionObjectReference, metricSelector labels.Selector) (int64, time.Time, error)
	// ExternalMetric reads the series of an external metric.
	ExternalMetric(ctx context.Context, name, namespace string, selector labels.Selector) ([]int64, time.Time, error)
}

// defaultMetricWindow is assumed for custom metrics that give none, as
// upstream assumes metrics-server's.
const defaultMetricWindow = time.Minute

// apiMetrics reads the aggregated metrics APIs, as upstream's REST metrics
// client.
type apiMetrics struct {
	resource resourceclient.PodMetricsesGetter
	custom   custom_metrics.CustomMetricsClient
	external external_metrics.ExternalMetricsClient
}

func (a *apiMetrics) ResourceMetric(ctx context.Context, resource corev1.ResourceName, namespace string, selector labels.Selector, container string) (podMetrics, time.Time, error) {
	list, err := a.resource.PodMetricses(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("unable to fetch metrics from resource metrics API: %w", err)
	}
	if len(list.Items) == 0 {
		return nil, time.Time{}, errors.New("no metrics returned from resource metrics API")
	}
	out := make(podMetrics, len(list.Items))
	for _, m := range list.Items {
		if v, ok := usageOf(m, resource, container); ok {
			out[m.Name] = podMetric{at: m.Timestamp.Time, window: m.Window.Duration, value: v}
		}
	}
	return out, list.Items[0].Timestamp.Time, nil
}

// usageOf is a pod's usage of resource: the named container's, or the sum
// over all containers when every one reports it.
func usageOf(m metricsv1beta1.PodMetrics, resource corev1.ResourceName, container string) (int64, bool) {
	if container != "" {
		for _, c := range m.Containers {
			if c.Name == container {
				q, ok := c.Usage[resource]
				return q.MilliValue(), ok
			}
		}
		return 0, false
	}
	if len(m.Containers) == 0 {
		return 0, false
	}
	var sum int64
	for _, c := range m.Containers {
		q, ok := c.Usage[resource]
		if !ok {
			return 0, false
		}
		sum += q.MilliValue()
	}
	return sum, true
}

func (a *apiMetrics) PodsMetric(_ context.Context, name, namespace string, selector, metricSelector labels.Selector) (podMetrics, time.Time, error) {
	list, err := a.custom.NamespacedMetrics(namespace).GetForObjects(schema.GroupKind{Kind: "Pod"}, selector, name, metricSelector)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("unable to fetch metrics from custom metrics API: %w", err)
	}
	if len(list.Items) == 0 {
		return nil, time.Time{}, errors.New("no metrics returned from custom metrics API")
	}
	out := make(podMetrics, len(list.Items))
	for _, m := range list.Items {
		window := defaultMetricWindow
		if m.WindowSeconds != nil {
			window = time.Duration(*m.WindowSeconds) * time.Second
		}
		out[m.DescribedObject.Name] = podMetric{at: m.Timestamp.Time, window: window, value: m.Value.MilliValue()}
	}
	return out, list.Items[0].Timestamp.Time, nil
}

func (a *apiMetrics) ObjectMetric(_ context.Context, name, namespace string, ref *autoscalingv2.CrossVersionObjectReference, metricSelector labels.Selector) (int64, time.Time, error) {
	gk := schema.FromAPIVersionAndKind(ref.APIVersion, ref.Kind).GroupKind()
	var v *custommetricsv1beta2.MetricValue
	var err error
	if gk == (schema.GroupKind{Kind: "Namespace"}) {
		// always the HPA's own namespace: a reference cannot leave it
		v, err = a.custom.RootScopedMetrics().GetForObject(gk, namespace, name, metricSelector)
	} else {
		v, err = a.custom.NamespacedMetrics(namespace).GetForObject(gk, ref.Name, name, metricSelector)
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("unable to fetch metrics from custom metrics API: %w", err)
	}
	return v.Value.MilliValue(), v.Timestamp.Time, nil
}

func (a *apiMetrics) ExternalMetric(_ context.Context, name, namespace string, selector labels.Selector) ([]int64, time.Time, error) {
	list, err := a.external.NamespacedMetrics(namespace).List(name, selector)
	if err != nil {
		return []int64{}, time.Time{}, fmt.Errorf("unable to fetch metrics from external metrics API: %w", err)
	}
	if len(list.Items) == 0 {
		return nil, time.Time{}, errors.New("no metrics returned from external metrics API")
	}
	out := make([]int64, 0, len(list.Items))
	for _, m := range list.Items {
		out = append(out, m.Value.MilliValue())
	}
	return out, list.Items[0].Timestamp.Time, nil
}
