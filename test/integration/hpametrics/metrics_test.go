package hpametrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

func deployment(t *testing.T, ns, name string, replicas int32, cpu string) {
	t.Helper()
	labels := map[string]string{"app": name}
	_, err := srv.Client.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

// readyPods waits for n ready pods of app and returns them.
func readyPods(t *testing.T, ns, app string, n int) []corev1.Pod {
	t.Helper()
	var ready []corev1.Pod
	eventually(t, "ready pods", func() (bool, string) {
		list, err := srv.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
		if err != nil {
			return false, err.Error()
		}
		ready = nil
		for _, p := range list.Items {
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue && p.DeletionTimestamp == nil {
					ready = append(ready, p)
				}
			}
		}
		return len(ready) == n, fmt.Sprintf("%d of %d pods ready", len(ready), len(list.Items))
	})
	return ready
}

func waitReplicas(t *testing.T, ns, name string, want int32) {
	t.Helper()
	eventually(t, "deployment replicas", func() (bool, string) {
		d, err := srv.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return *d.Spec.Replicas == want, fmt.Sprintf("spec.replicas %d, want %d", *d.Spec.Replicas, want)
	})
}

func waitEvent(t *testing.T, ns, hpa, reason, message string) {
	t.Helper()
	eventually(t, "event "+reason, func() (bool, string) {
		list, err := srv.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{
			FieldSelector: "involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=" + hpa})
		if err != nil {
			return false, err.Error()
		}
		var seen []string
		for _, e := range list.Items {
			if e.Reason == reason && e.Message == message && e.Source.Component == "horizontal-pod-autoscaler" {
				return true, ""
			}
			seen = append(seen, e.Reason+" "+e.Message)
		}
		return false, strings.Join(seen, "; ")
	})
}

func getHPA(t *testing.T, ns, name string) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	hpa, err := srv.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return hpa
}

func condition(hpa *autoscalingv2.HorizontalPodAutoscaler, typ autoscalingv2.HorizontalPodAutoscalerConditionType) autoscalingv2.HorizontalPodAutoscalerCondition {
	for _, c := range hpa.Status.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return autoscalingv2.HorizontalPodAutoscalerCondition{}
}

func create(t *testing.T, ns string, gvr schema.GroupVersionResource, obj map[string]any) {
	t.Helper()
	if _, err := dynamic.NewForConfigOrDie(srv.Config).Resource(gvr).Namespace(ns).Create(ctx,
		&unstructured.Unstructured{Object: obj}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// Pods using all of their CPU request against a 50% target are doubled.
func TestScaleUpOnCPUUtilization(t *testing.T) {
	t.Parallel()
	ns := srv.Namespace(t)
	deployment(t, ns, "web", 2, "200m")
	minReplicas, target := int32(1), int32(50)
	_, err := srv.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    &minReplicas, MaxReplicas: 10,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &target}}}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Before any sample the metrics API answers an empty list.
	eventually(t, "no samples yet", func() (bool, string) {
		c := condition(getHPA(t, ns, "web"), autoscalingv2.ScalingActive)
		want := "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API"
		return c.Reason == "FailedGetResourceMetric" && c.Message == want, fmt.Sprintf("%+v", c)
	})

	pods := readyPods(t, ns, "web", 2)
	time.Sleep(1100 * time.Millisecond) // samples are taken a whole window (1s) after the pods became ready
	ts := time.Now().UTC().Format(time.RFC3339)
	for _, p := range pods {
		create(t, ns, schema.GroupVersionResource{Group: "metrics.k8s.io", Version: "v1beta1", Resource: "pods"}, map[string]any{
			"apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics",
			"metadata":  map[string]any{"name": p.Name, "labels": map[string]any{"app": "web"}},
			"timestamp": ts, "window": "1s",
			"containers": []any{map[string]any{"name": "c", "usage": map[string]any{"cpu": "200m", "memory": "10Mi"}}},
		})
	}
	waitReplicas(t, ns, "web", 4)
	waitEvent(t, ns, "web", "SuccessfulRescale", "New size: 4; reason: cpu resource utilization (percentage of request) above target")
	eventually(t, "status", func() (bool, string) {
		hpa := getHPA(t, ns, "web")
		c := condition(hpa, autoscalingv2.ScalingActive)
		ok := c.Status == corev1.ConditionTrue && c.Reason == "ValidMetricFound" &&
			c.Message == "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"
		m := hpa.Status.CurrentMetrics
		ok = ok && len(m) == 1 && m[0].Resource != nil && m[0].Resource.Current.AverageUtilization != nil &&
			*m[0].Resource.Current.AverageUtilization == 100 && m[0].Resource.Current.AverageValue.String() == "200m"
		ok = ok && hpa.Status.DesiredReplicas == 4 && hpa.Status.LastScaleTime != nil
		return ok, fmt.Sprintf("%+v", hpa.Status)
	})
}

// An external queue of 30 items at 10 per pod needs 3 pods.
func TestScaleOnExternalMetric(t *testing.T) {
	t.Parallel()
	ns := srv.Namespace(t)
	deployment(t, ns, "worker", 1, "100m")
	eventually(t, "deployment status", func() (bool, string) {
		d, err := srv.Client.AppsV1().Deployments(ns).Get(ctx, "worker", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return d.Status.Replicas == 1, fmt.Sprintf("status.replicas %d", d.Status.Replicas)
	})
	for i, v := range []string{"20", "10"} {
		create(t, ns, schema.GroupVersionResource{Group: "external.metrics.k8s.io", Version: "v1beta1", Resource: "queue-length"}, map[string]any{
			"apiVersion": "external.metrics.k8s.io/v1beta1", "kind": "ExternalMetricValue",
			"metadata":   map[string]any{"name": fmt.Sprintf("q%d", i), "labels": map[string]any{"queue": "jobs"}},
			"metricName": "queue-length", "metricLabels": map[string]any{"queue": "jobs"},
			"timestamp": time.Now().UTC().Format(time.RFC3339), "value": v,
		})
	}
	minReplicas, avg := int32(1), resource.MustParse("10")
	_, err := srv.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "worker"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "worker"},
			MinReplicas:    &minReplicas, MaxReplicas: 10,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
				Metric: autoscalingv2.MetricIdentifier{Name: "queue-length", Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"queue": "jobs"}}},
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &avg}}}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitReplicas(t, ns, "worker", 3)
	waitEvent(t, ns, "worker", "SuccessfulRescale", "New size: 3; reason: external metric queue-length(&LabelSelector{MatchLabels:map[string]string{queue: jobs,},MatchExpressions:[]LabelSelectorRequirement{},}) above target")
	hpa := getHPA(t, ns, "worker")
	if m := hpa.Status.CurrentMetrics; len(m) != 1 || m[0].External == nil || m[0].External.Current.AverageValue.String() != "30" {
		t.Errorf("currentMetrics %+v", m)
	}
}
