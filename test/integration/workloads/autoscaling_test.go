package workloads

import (
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

var deployRef = autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}

func TestHPAV2ReadAsV1(t *testing.T) {
	ns := newNamespace(t)
	memory := resource.MustParse("100Mi")
	h, err := srv.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: deployRef,
			MaxReplicas:    10,
			Metrics: []autoscalingv2.MetricSpec{
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr[int32](60)}}},
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceMemory,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &memory}}},
			},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr[int32](60)}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *h.Spec.MinReplicas != 1 {
		t.Errorf("minReplicas %d", *h.Spec.MinReplicas)
	}
	b := h.Spec.Behavior
	if b.ScaleUp == nil || len(b.ScaleUp.Policies) != 2 || *b.ScaleUp.StabilizationWindowSeconds != 0 ||
		*b.ScaleDown.StabilizationWindowSeconds != 60 || len(b.ScaleDown.Policies) != 1 || *b.ScaleDown.SelectPolicy != autoscalingv2.MaxChangePolicySelect {
		t.Errorf("behavior defaults %+v %+v", b.ScaleUp, b.ScaleDown)
	}

	v1, err := srv.Client.AutoscalingV1().HorizontalPodAutoscalers(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v1.Spec.TargetCPUUtilizationPercentage == nil || *v1.Spec.TargetCPUUtilizationPercentage != 60 || v1.Spec.MaxReplicas != 10 ||
		v1.Spec.ScaleTargetRef.Name != "web" {
		t.Errorf("v1 spec %+v", v1.Spec)
	}
	if v1.Annotations["autoscaling.alpha.kubernetes.io/metrics"] == "" || v1.Annotations["autoscaling.alpha.kubernetes.io/behavior"] == "" {
		t.Errorf("v1 annotations %v lack the v2-only fields", v1.Annotations)
	}

	// Writing the v1 object back keeps what only v2 can say. (The HPA
	// controller writes the status meanwhile: re-read on a conflict.)
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		v1, err := srv.Client.AutoscalingV1().HorizontalPodAutoscalers(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		v1.Spec.MaxReplicas = 12
		_, err = srv.Client.AutoscalingV1().HorizontalPodAutoscalers(ns).Update(ctx, v1, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err = srv.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h.Spec.MaxReplicas != 12 || len(h.Spec.Metrics) != 2 || h.Spec.Behavior == nil || *h.Spec.Behavior.ScaleDown.StabilizationWindowSeconds != 60 {
		t.Errorf("v2 after v1 update: %+v", h.Spec)
	}
	if len(h.Annotations) != 0 {
		t.Errorf("v2 annotations %v", h.Annotations)
	}

	row := assertColumns(t, "/apis/autoscaling/v2/namespaces/"+ns+"/horizontalpodautoscalers", "Name,Reference,Targets,MinPods,MaxPods,Replicas,Age")
	if len(row) == 7 && (row[1] != "Deployment/web" || row[3] != "1") {
		t.Errorf("hpa row %v", row)
	}
	assertColumns(t, "/apis/autoscaling/v1/namespaces/"+ns+"/horizontalpodautoscalers", "Name,Reference,Targets,MinPods,MaxPods,Replicas,Age")
}

func TestHPAV1ReadAsV2(t *testing.T) {
	ns := newNamespace(t)
	v1c := srv.Client.AutoscalingV1().HorizontalPodAutoscalers(ns)
	ref := autoscalingv1.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	created, err := v1c.Create(ctx, &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "plain"},
		Spec:       autoscalingv1.HorizontalPodAutoscalerSpec{ScaleTargetRef: ref, MaxReplicas: 3},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *created.Spec.MinReplicas != 1 || created.Spec.TargetCPUUtilizationPercentage == nil || *created.Spec.TargetCPUUtilizationPercentage != 80 {
		t.Errorf("v1 defaults %+v", created.Spec)
	}
	h, err := srv.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, "plain", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Spec.Metrics) != 1 || h.Spec.Metrics[0].Resource == nil || h.Spec.Metrics[0].Resource.Name != corev1.ResourceCPU ||
		*h.Spec.Metrics[0].Resource.Target.AverageUtilization != 80 || h.Spec.Behavior != nil {
		t.Errorf("v2 view %+v", h.Spec)
	}
	list, err := v1c.List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 || *list.Items[0].Spec.TargetCPUUtilizationPercentage != 80 {
		t.Errorf("v1 list %+v %v", list, err)
	}

	_, err = v1c.Create(ctx, &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "nomax"}, Spec: autoscalingv1.HorizontalPodAutoscalerSpec{ScaleTargetRef: ref},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.maxReplicas")
	_, err = srv.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "noref"},
		Spec:       autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1"}, MaxReplicas: 2},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.scaleTargetRef.kind")
}
