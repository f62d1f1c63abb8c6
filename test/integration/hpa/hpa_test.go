package hpa

import (
	"regexp"
	"strings"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

const noMetricsAPI = "failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: " +
	"the server could not find the requested resource (get pods.metrics.k8s.io)"

// A Deployment below minReplicas is scaled up to it at once; then, with no
// metrics API, the HPA reports that it cannot compute a replica count.
func TestBelowMinScaledUpThenNoMetrics(t *testing.T) {
	t.Parallel()
	ns := srv.Namespace(t)
	deployment(t, ns, "web", 1)
	cpuHPA(t, ns, "web", "web", 2, 5)

	waitReplicas(t, ns, "web", 2)
	waitEvent(t, ns, "web", corev1.EventTypeNormal, "SuccessfulRescale", "New size: 2; reason: Current number of replicas below Spec.MinReplicas", false)

	waitCondition(t, ns, "web", autoscalingv2.ScalingActive, corev1.ConditionFalse, "FailedGetResourceMetric",
		"the HPA was unable to compute the replica count: "+noMetricsAPI)
	hpa := waitCondition(t, ns, "web", autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededGetScale",
		"the HPA controller was able to get the target's current scale")
	waitEvent(t, ns, "web", corev1.EventTypeWarning, "FailedGetResourceMetric", noMetricsAPI, false)
	waitEvent(t, ns, "web", corev1.EventTypeWarning, "FailedComputeMetricsReplicas",
		"invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: "+noMetricsAPI, false)

	st := hpa.Status
	if st.CurrentReplicas != 2 || st.DesiredReplicas != 2 {
		t.Errorf("currentReplicas %d desiredReplicas %d, want 2 and 2", st.CurrentReplicas, st.DesiredReplicas)
	}
	if st.LastScaleTime == nil {
		t.Error("no lastScaleTime after a rescale")
	}
	if st.ObservedGeneration == nil || *st.ObservedGeneration != hpa.Generation {
		t.Errorf("observedGeneration %v, want %d", st.ObservedGeneration, hpa.Generation)
	}
	if len(st.CurrentMetrics) != 1 {
		t.Errorf("currentMetrics %+v, want one entry", st.CurrentMetrics)
	}
	for _, c := range st.Conditions {
		if c.Type == autoscalingv2.ScaledToZero && (c.Status != corev1.ConditionFalse || c.Reason != "NotScaledToZero") {
			t.Errorf("ScaledToZero %+v", c)
		}
	}

	out, errOut, err := srv.Kubectl(t, bin, tmp, "", "get", "hpa", "web", "-n", ns)
	if err != nil {
		t.Fatalf("kubectl get hpa: %v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("kubectl get hpa:\n%s", out)
	}
	if got := strings.Fields(lines[0]); strings.Join(got, " ") != "NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE" {
		t.Errorf("header %q", lines[0])
	}
	if got := strings.Fields(lines[1]); len(got) < 7 || strings.Join(got[:7], " ") != "web Deployment/web cpu: <unknown>/50% 2 5 2" {
		t.Errorf("row %q", lines[1])
	}

	out, errOut, err = srv.Kubectl(t, bin, tmp, "", "describe", "hpa", "web", "-n", ns)
	if err != nil {
		t.Fatalf("kubectl describe hpa: %v\n%s", err, errOut)
	}
	for _, re := range []string{
		`resource cpu on pods  \(as a percentage of request\):\s+<unknown> / 50%`,
		`AbleToScale\s+True\s+SucceededGetScale`,
		`ScalingActive\s+False\s+FailedGetResourceMetric\s+the HPA was unable to compute the replica count: failed to get cpu utilization`,
		`Normal\s+SuccessfulRescale\s+.*horizontal-pod-autoscaler\s+New size: 2; reason: Current number of replicas below Spec.MinReplicas`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("kubectl describe hpa lacks %s:\n%s", re, out)
		}
	}
}

// A Deployment above maxReplicas is scaled down to it at once.
func TestAboveMaxScaledDown(t *testing.T) {
	t.Parallel()
	ns := srv.Namespace(t)
	deployment(t, ns, "big", 7)
	cpuHPA(t, ns, "big", "big", 1, 5)
	waitReplicas(t, ns, "big", 5)
	waitEvent(t, ns, "big", corev1.EventTypeNormal, "SuccessfulRescale", "New size: 5; reason: Current number of replicas above Spec.MaxReplicas", false)
	hpa := waitCondition(t, ns, "big", autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededRescale",
		"the HPA controller was able to update the target scale to 5")
	if hpa.Status.CurrentReplicas != 7 || hpa.Status.DesiredReplicas != 5 {
		t.Errorf("currentReplicas %d desiredReplicas %d, want 7 and 5", hpa.Status.CurrentReplicas, hpa.Status.DesiredReplicas)
	}
}

// A target a user scaled to zero is left alone.
func TestZeroReplicasDisablesScaling(t *testing.T) {
	t.Parallel()
	ns := srv.Namespace(t)
	deployment(t, ns, "off", 0)
	cpuHPA(t, ns, "off", "off", 1, 3)
	hpa := waitCondition(t, ns, "off", autoscalingv2.ScalingActive, corev1.ConditionFalse, "ScalingDisabled",
		"scaling is disabled since the replica count of the target is zero")
	if hpa.Status.CurrentReplicas != 0 || hpa.Status.DesiredReplicas != 0 || hpa.Status.LastScaleTime != nil {
		t.Errorf("status %+v", hpa.Status)
	}
	waitReplicas(t, ns, "off", 0)
}

// An HPA whose target does not exist says so.
func TestMissingTarget(t *testing.T) {
	t.Parallel()
	ns := srv.Namespace(t)
	cpuHPA(t, ns, "ghost", "nope", 1, 3)
	waitCondition(t, ns, "ghost", autoscalingv2.AbleToScale, corev1.ConditionFalse, "FailedGetScale",
		`the HPA controller was unable to get the target's current scale: deployments.apps "nope" not found`)
	waitEvent(t, ns, "ghost", corev1.EventTypeWarning, "FailedGetScale", `deployments.apps "nope" not found`, false)

	cpuHPA(t, ns, "odd", "x", 1, 3)
	// The controller writes the HPA's status meanwhile: retry a conflict.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		hpa, err := srv.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, "odd", metav1.GetOptions{})
		if err != nil {
			return err
		}
		hpa.Spec.ScaleTargetRef.Kind = "Widget"
		_, err = srv.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Update(ctx, hpa, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	waitCondition(t, ns, "odd", autoscalingv2.AbleToScale, corev1.ConditionFalse, "FailedGetScale",
		`the HPA controller was unable to get the target's current scale: no matches for kind "Widget" in group "apps"`)
}
