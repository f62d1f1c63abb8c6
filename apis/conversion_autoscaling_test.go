package apis

import (
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestHPARoundTrip converts a v2 autoscaler with v2-only fields to v1 and
// back, and expects it unchanged.
func TestHPARoundTrip(t *testing.T) {
	i32 := func(v int32) *int32 { return &v }
	q := resource.MustParse("1k")
	policy := autoscalingv2.MaxChangePolicySelect
	in := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "h", Namespace: "ns", Annotations: map[string]string{"keep": "me"}},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "d"},
			MinReplicas:    i32(2), MaxReplicas: 5,
			Metrics: []autoscalingv2.MetricSpec{
				{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "qps"},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &q}}},
				cpuUtilization(50),
			},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{
				StabilizationWindowSeconds: i32(10), SelectPolicy: &policy,
				Policies: []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}}}},
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			CurrentReplicas: 3, DesiredReplicas: 4,
			CurrentMetrics: []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
				Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: i32(40), AverageValue: &q}}}},
			Conditions: []autoscalingv2.HorizontalPodAutoscalerCondition{{Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, Reason: "r"}},
		},
	}
	v1 := &autoscalingv1.HorizontalPodAutoscaler{}
	if err := Scheme.Convert(in, v1, nil); err != nil {
		t.Fatal(err)
	}
	if *v1.Spec.TargetCPUUtilizationPercentage != 50 || *v1.Status.CurrentCPUUtilizationPercentage != 40 || v1.Annotations["keep"] != "me" {
		t.Errorf("v1 %+v", v1)
	}
	if in.Annotations[hpaMetricSpecsAnnotation] != "" {
		t.Errorf("conversion changed its input's annotations")
	}
	out := &autoscalingv2.HorizontalPodAutoscaler{}
	if err := Scheme.Convert(v1, out, nil); err != nil {
		t.Fatal(err)
	}
	// The CPU target comes back last, after the metrics kept in the annotation.
	if !apiequality.Semantic.DeepEqual(in, out) {
		t.Errorf("round trip changed the autoscaler:\n in: %+v\nout: %+v", in, out)
	}
}
