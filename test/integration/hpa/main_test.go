// Package hpa tests the HorizontalPodAutoscaler controller against a real
// in-process skiff, which like a cluster without metrics-server serves no
// metrics.k8s.io: what a user sees is the replica bounds enforced through
// the scale subresource, and the missing metrics reported in conditions,
// events and `kubectl get hpa` as upstream reports them.
package hpa

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/test/testserver"
)

var (
	srv *testserver.Server
	bin string
	tmp string
	ctx = context.Background()
)

func TestMain(m *testing.M) {
	var err error
	if tmp, err = os.MkdirTemp("", "skiff-hpa-"); err != nil {
		panic(err)
	}
	if bin, err = testserver.Binary(tmp); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(tmp)
		os.Exit(1)
	}
	code := 0
	func() {
		if srv, err = testserver.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
			return
		}
		defer srv.Close()
		code = m.Run()
	}()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// eventually polls cond until it holds, failing the test after 90s (an
// HPA is resynced every 15s) with the last message cond returned.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	testserver.Eventually(t, 90*time.Second, 200*time.Millisecond, what, cond)
}

func deployment(t *testing.T, ns, name string, replicas int32) {
	t.Helper()
	labels := map[string]string{"app": name}
	_, err := srv.Client.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

// cpuHPA creates an HPA of Deployment target with a 50% CPU target.
func cpuHPA(t *testing.T, ns, name, target string, minReplicas, maxReplicas int32) {
	t.Helper()
	_, err := srv.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: target},
			MinReplicas:    &minReplicas,
			MaxReplicas:    maxReplicas,
			Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricSource{
					Name:   corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr[int32](50)},
				},
			}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// waitReplicas waits for the Deployment's spec.replicas.
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

// waitEvent waits for an event of the HPA with reason and message (the
// message's beginning when prefix), from the HPA controller.
func waitEvent(t *testing.T, ns, hpa, typ, reason, message string, prefix bool) {
	t.Helper()
	eventually(t, "event "+reason, func() (bool, string) {
		list, err := srv.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{
			FieldSelector: "involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=" + hpa})
		if err != nil {
			return false, err.Error()
		}
		var seen []string
		for _, e := range list.Items {
			ok := e.Message == message || prefix && strings.HasPrefix(e.Message, message)
			if e.Reason == reason && ok && e.Type == typ && e.Source.Component == "horizontal-pod-autoscaler" {
				return true, ""
			}
			seen = append(seen, fmt.Sprintf("%s %s %q (%s)", e.Type, e.Reason, e.Message, e.Source.Component))
		}
		return false, strings.Join(seen, "; ")
	})
}

// waitCondition waits for an HPA condition and returns the HPA.
func waitCondition(t *testing.T, ns, name string, typ autoscalingv2.HorizontalPodAutoscalerConditionType,
	status corev1.ConditionStatus, reason, message string) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	var hpa *autoscalingv2.HorizontalPodAutoscaler
	eventually(t, "condition "+string(typ), func() (bool, string) {
		var err error
		if hpa, err = srv.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
			return false, err.Error()
		}
		for _, c := range hpa.Status.Conditions {
			if c.Type == typ {
				return c.Status == status && c.Reason == reason && c.Message == message,
					fmt.Sprintf("%s=%s %s %q", c.Type, c.Status, c.Reason, c.Message)
			}
		}
		return false, fmt.Sprintf("no %s in %+v", typ, hpa.Status.Conditions)
	})
	return hpa
}
