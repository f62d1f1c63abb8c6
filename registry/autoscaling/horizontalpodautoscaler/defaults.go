package horizontalpodautoscaler

import (
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/skiff-k8s/skiff/apis"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&autoscalingv2.HorizontalPodAutoscaler{}, func(obj interface{}) {
		SetDefaults(obj.(*autoscalingv2.HorizontalPodAutoscaler))
	})
	apis.Scheme.AddTypeDefaultingFunc(&autoscalingv2.HorizontalPodAutoscalerList{}, func(obj interface{}) {
		l := obj.(*autoscalingv2.HorizontalPodAutoscalerList)
		for i := range l.Items {
			SetDefaults(&l.Items[i])
		}
	})
	apis.Scheme.AddTypeDefaultingFunc(&autoscalingv1.HorizontalPodAutoscaler{}, func(obj interface{}) {
		SetDefaultsV1(obj.(*autoscalingv1.HorizontalPodAutoscaler))
	})
	apis.Scheme.AddTypeDefaultingFunc(&autoscalingv1.HorizontalPodAutoscalerList{}, func(obj interface{}) {
		l := obj.(*autoscalingv1.HorizontalPodAutoscalerList)
		for i := range l.Items {
			SetDefaultsV1(&l.Items[i])
		}
	})
}

func ptr[T any](v T) *T { return &v }

// SetDefaultsV1 gives an autoscaling/v1 autoscaler minReplicas 1; its CPU
// target (80%) is defaulted by the conversion, which sees the annotations.
func SetDefaultsV1(h *autoscalingv1.HorizontalPodAutoscaler) {
	if h.Spec.MinReplicas == nil {
		h.Spec.MinReplicas = ptr[int32](1)
	}
}

// SetDefaults applies upstream's autoscaling/v2 defaults: minReplicas 1, a
// CPU utilization target of 80% without metrics, and the scaling rules of
// a behavior that is set.
func SetDefaults(h *autoscalingv2.HorizontalPodAutoscaler) {
	if h.Spec.MinReplicas == nil {
		h.Spec.MinReplicas = ptr[int32](1)
	}
	if len(h.Spec.Metrics) == 0 {
		h.Spec.Metrics = []autoscalingv2.MetricSpec{{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{
				Name:   corev1.ResourceCPU,
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr[int32](80)},
			},
		}}
	}
	if b := h.Spec.Behavior; b != nil {
		b.ScaleUp = mergeRules(b.ScaleUp, scaleUpDefaults())
		b.ScaleDown = mergeRules(b.ScaleDown, scaleDownDefaults())
	}
}

func scaleUpDefaults() *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{
		StabilizationWindowSeconds: ptr[int32](0),
		SelectPolicy:               ptr(autoscalingv2.MaxChangePolicySelect),
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
}

func scaleDownDefaults() *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{
		SelectPolicy: ptr(autoscalingv2.MaxChangePolicySelect),
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
}

func mergeRules(from, to *autoscalingv2.HPAScalingRules) *autoscalingv2.HPAScalingRules {
	if from == nil {
		return to
	}
	if from.SelectPolicy != nil {
		to.SelectPolicy = from.SelectPolicy
	}
	if from.StabilizationWindowSeconds != nil {
		to.StabilizationWindowSeconds = from.StabilizationWindowSeconds
	}
	if from.Policies != nil {
		to.Policies = from.Policies
	}
	if from.Tolerance != nil {
		to.Tolerance = from.Tolerance
	}
	return to
}
