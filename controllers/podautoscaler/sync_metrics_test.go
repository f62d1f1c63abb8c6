package podautoscaler

import (
	"errors"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func podsMetricSpec(name, avg string) autoscalingv2.MetricSpec {
	q := resource.MustParse(avg)
	return autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
		Metric: autoscalingv2.MetricIdentifier{Name: name},
		Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &q}}}
}

func objectMetricSpec(name, value string) autoscalingv2.MetricSpec {
	q := resource.MustParse(value)
	return autoscalingv2.MetricSpec{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricSource{
		DescribedObject: autoscalingv2.CrossVersionObjectReference{APIVersion: "v1", Kind: "Service", Name: "front"},
		Metric:          autoscalingv2.MetricIdentifier{Name: name},
		Target:          autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: &q}}}
}

func TestSyncMetricSources(t *testing.T) {
	cases := []struct {
		name    string
		metrics []autoscalingv2.MetricSpec
		src     *fakeSource
		current int32
		want    int32
		events  []string
		active  autoscalingv2.HorizontalPodAutoscalerCondition
	}{
		{
			name: "pods metric", metrics: []autoscalingv2.MetricSpec{podsMetricSpec("qps", "10")},
			src: &fakeSource{pods: samples(20000, 20000)}, current: 2, want: 4,
			events: []string{"Normal SuccessfulRescale New size: 4; reason: pods metric qps above target"},
			active: autoscalingv2.HorizontalPodAutoscalerCondition{Status: corev1.ConditionTrue, Reason: "ValidMetricFound",
				Message: "the HPA was able to successfully calculate a replica count from pods metric qps"},
		},
		{
			name: "object metric", metrics: []autoscalingv2.MetricSpec{objectMetricSpec("requests", "100")},
			src: &fakeSource{object: 150000}, current: 2, want: 3,
			events: []string{"Normal SuccessfulRescale New size: 3; reason: Service metric requests above target"},
			active: autoscalingv2.HorizontalPodAutoscalerCondition{Status: corev1.ConditionTrue, Reason: "ValidMetricFound",
				Message: "the HPA was able to successfully calculate a replica count from Service metric requests"},
		},
		{
			name: "custom metrics API absent", metrics: []autoscalingv2.MetricSpec{podsMetricSpec("qps", "10")},
			src: &fakeSource{err: errors.New("unable to fetch metrics from custom metrics API: no known available metric versions found")}, current: 2, want: 2,
			events: []string{
				"Warning FailedGetPodsMetric unable to get metric qps: unable to fetch metrics from custom metrics API: no known available metric versions found",
				"Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: failed to get pods metric value: unable to get metric qps: unable to fetch metrics from custom metrics API: no known available metric versions found",
			},
			active: autoscalingv2.HorizontalPodAutoscalerCondition{Status: corev1.ConditionFalse, Reason: "FailedGetPodsMetric",
				Message: "the HPA was unable to compute the replica count: unable to get metric qps: unable to fetch metrics from custom metrics API: no known available metric versions found"},
		},
		{
			// one failed metric does not stop a scale up the others ask for
			name: "scale up on the valid metric", metrics: []autoscalingv2.MetricSpec{podsMetricSpec("qps", "10"), cpuHPA("", 1, 1, 50, nil).Spec.Metrics[0]},
			src: &fakeSource{pods: samples(20000, 20000), resource: nil}, current: 2, want: 4,
			events: []string{
				"Warning FailedGetResourceMetric failed to get cpu utilization: did not receive metrics for targeted pods (pods might be unready)",
				"Normal SuccessfulRescale New size: 4; reason: pods metric qps above target",
			},
			active: autoscalingv2.HorizontalPodAutoscalerCondition{Status: corev1.ConditionTrue, Reason: "ValidMetricFound",
				Message: "the HPA was able to successfully calculate a replica count from pods metric qps"},
		},
		{
			// but it stops a scale down: the failed metric might want more
			name: "no scale down with an invalid metric", metrics: []autoscalingv2.MetricSpec{podsMetricSpec("qps", "10"), cpuHPA("", 1, 1, 50, nil).Spec.Metrics[0]},
			src: &fakeSource{pods: samples(1000, 1000), resource: nil}, current: 2, want: 2,
			events: []string{
				"Warning FailedGetResourceMetric failed to get cpu utilization: did not receive metrics for targeted pods (pods might be unready)",
				"Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 2), first error is: failed to get cpu resource metric value: failed to get cpu utilization: did not receive metrics for targeted pods (pods might be unready)",
			},
			active: autoscalingv2.HorizontalPodAutoscalerCondition{Status: corev1.ConditionFalse, Reason: "FailedGetResourceMetric",
				Message: "the HPA was unable to compute the replica count: failed to get cpu utilization: did not receive metrics for targeted pods (pods might be unready)"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := cpuHPA("h", 1, 10, 50, nil)
			h.Spec.Metrics = tc.metrics
			objs := append(podObjects(ones(int(tc.current)), nil), h)
			e := newSyncEnv(t, tc.src, tc.current, objs...)
			hpa, events := e.sync(t, "h")
			wantEvents(t, events, tc.events...)
			if e.scales.replicas["web"] != tc.want {
				t.Errorf("target at %d, want %d", e.scales.replicas["web"], tc.want)
			}
			wantCondition(t, hpa, autoscalingv2.ScalingActive, tc.active.Status, tc.active.Reason, tc.active.Message)
			if len(hpa.Status.CurrentMetrics) != len(tc.metrics) {
				t.Errorf("currentMetrics %+v", hpa.Status.CurrentMetrics)
			}
		})
	}
}
