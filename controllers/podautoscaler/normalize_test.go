package podautoscaler

import (
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() (*clock, *memory)        { c := &clock{now}; return c, newMemory(c.now) }
func hpaWith(maxReplicas int32, b *autoscalingv2.HorizontalPodAutoscalerBehavior) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{MaxReplicas: maxReplicas, Behavior: b}}
}

// step is one sync: after advancing the clock, the target has current
// replicas and the metrics ask for desired; the normalized count and the
// reasons of AbleToScale and ScalingLimited are checked, and a rescale to
// the result is recorded.
type step struct {
	advance          time.Duration
	current, desired int32
	want             int32
	able, limited    string
	limitedTrue      bool
}

func runSteps(t *testing.T, b *autoscalingv2.HorizontalPodAutoscalerBehavior, minReplicas, maxReplicas int32, steps []step) {
	t.Helper()
	clk, m := newClock()
	hpa := hpaWith(maxReplicas, b)
	for i, s := range steps {
		clk.advance(s.advance)
		m.seed("k", s.current)
		var got int32
		if b == nil {
			got = m.normalize(hpa, "k", s.current, s.desired, minReplicas)
		} else {
			got = m.normalizeWithBehavior(hpa, "k", s.current, s.desired, minReplicas)
		}
		if got != s.want {
			t.Errorf("step %d: %d -> %d normalized to %d, want %d", i, s.current, s.desired, got, s.want)
		}
		checkCondition(t, i, hpa, autoscalingv2.AbleToScale, corev1.ConditionTrue, s.able)
		limited := corev1.ConditionFalse
		if s.limitedTrue {
			limited = corev1.ConditionTrue
		}
		checkCondition(t, i, hpa, autoscalingv2.ScalingLimited, limited, s.limited)
		if got != s.current {
			m.recordScale(b, "k", s.current, got)
		}
	}
}

func checkCondition(t *testing.T, i int, hpa *autoscalingv2.HorizontalPodAutoscaler, typ autoscalingv2.HorizontalPodAutoscalerConditionType, status corev1.ConditionStatus, reason string) {
	t.Helper()
	for _, c := range hpa.Status.Conditions {
		if c.Type == typ {
			if c.Status != status || c.Reason != reason {
				t.Errorf("step %d: %s=%s %s, want %s %s", i, typ, c.Status, c.Reason, status, reason)
			}
			return
		}
	}
	t.Errorf("step %d: no %s", i, typ)
}

func TestNormalizeWithoutBehavior(t *testing.T) {
	cases := []struct {
		name     string
		min, max int32
		steps    []step
	}{
		{"within range", 1, 10, []step{{current: 3, desired: 5, want: 5, able: "ReadyForNewScale", limited: "DesiredWithinRange"}}},
		{"above max", 1, 6, []step{{current: 4, desired: 20, want: 6, able: "ReadyForNewScale", limited: "TooManyReplicas", limitedTrue: true}}},
		{"scale up limit is max(2*current, 4)", 1, 20, []step{
			{current: 1, desired: 10, want: 4, able: "ReadyForNewScale", limited: "ScaleUpLimit", limitedTrue: true},
			{advance: 15 * time.Second, current: 4, desired: 10, want: 8, able: "ReadyForNewScale", limited: "ScaleUpLimit", limitedTrue: true},
			{advance: 15 * time.Second, current: 8, desired: 10, want: 10, able: "ReadyForNewScale", limited: "DesiredWithinRange"},
		}},
		{"below min once stabilized", 3, 10, []step{
			{current: 4, desired: 4, want: 4, able: "ReadyForNewScale", limited: "DesiredWithinRange"},
			{advance: 6 * time.Minute, current: 4, desired: 1, want: 3, able: "ReadyForNewScale", limited: "TooFewReplicas", limitedTrue: true},
		}},
		{"downscale waits five minutes", 1, 10, []step{
			{current: 5, desired: 5, want: 5, able: "ReadyForNewScale", limited: "DesiredWithinRange"},
			{advance: time.Minute, current: 5, desired: 2, want: 5, able: "ScaleDownStabilized", limited: "DesiredWithinRange"},
			{advance: 3 * time.Minute, current: 5, desired: 3, want: 5, able: "ScaleDownStabilized", limited: "DesiredWithinRange"},
			{advance: 90 * time.Second, current: 5, desired: 2, want: 3, able: "ScaleDownStabilized", limited: "DesiredWithinRange"},
			{advance: 4 * time.Minute, current: 3, desired: 2, want: 2, able: "ReadyForNewScale", limited: "DesiredWithinRange"},
		}},
		{"upscale is never stabilized", 1, 10, []step{
			{current: 5, desired: 5, want: 5, able: "ReadyForNewScale", limited: "DesiredWithinRange"},
			{advance: 15 * time.Second, current: 5, desired: 8, want: 8, able: "ReadyForNewScale", limited: "DesiredWithinRange"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runSteps(t, nil, tc.min, tc.max, tc.steps) })
	}
}

func i32(v int32) *int32 { return &v }

func rules(window *int32, sel autoscalingv2.ScalingPolicySelect, policies ...autoscalingv2.HPAScalingPolicy) *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: window, SelectPolicy: &sel, Policies: policies}
}

func podsPolicy(n, period int32) autoscalingv2.HPAScalingPolicy {
	return autoscalingv2.HPAScalingPolicy{Type: autoscalingv2.PodsScalingPolicy, Value: n, PeriodSeconds: period}
}

func percent(n, period int32) autoscalingv2.HPAScalingPolicy {
	return autoscalingv2.HPAScalingPolicy{Type: autoscalingv2.PercentScalingPolicy, Value: n, PeriodSeconds: period}
}

func TestNormalizeWithBehavior(t *testing.T) {
	maxSel, minSel, disabled := autoscalingv2.MaxChangePolicySelect, autoscalingv2.MinChangePolicySelect, autoscalingv2.DisabledPolicySelect
	defaults := &autoscalingv2.HorizontalPodAutoscalerBehavior{} // the API's defaults: +4 pods or +100% per 15s, -100% per 15s after 5 minutes
	cases := []struct {
		name     string
		b        *autoscalingv2.HorizontalPodAutoscalerBehavior
		min, max int32
		steps    []step
	}{
		{"defaults: scale up by the larger of 4 pods and 100%", defaults, 1, 100, []step{
			{current: 2, desired: 20, want: 6, able: "ReadyForNewScale", limited: "ScaleUpLimit", limitedTrue: true},
			{advance: 5 * time.Second, current: 6, desired: 20, want: 6, able: "ReadyForNewScale", limited: "ScaleUpLimit", limitedTrue: true},
			{advance: 15 * time.Second, current: 6, desired: 20, want: 12, able: "ReadyForNewScale", limited: "ScaleUpLimit", limitedTrue: true},
		}},
		{"defaults: maxReplicas", defaults, 1, 5, []step{
			{current: 2, desired: 20, want: 5, able: "ReadyForNewScale", limited: "TooManyReplicas", limitedTrue: true},
		}},
		{"defaults: scale down waits five minutes", defaults, 1, 10, []step{
			{current: 8, desired: 8, want: 8, able: "ReadyForNewScale", limited: "DesiredWithinRange"},
			{advance: time.Minute, current: 8, desired: 2, want: 8, able: "ScaleDownStabilized", limited: "DesiredWithinRange"},
			{advance: 4*time.Minute + time.Second, current: 8, desired: 2, want: 2, able: "ReadyForNewScale", limited: "DesiredWithinRange"},
		}},
		{"scale up stabilization window", &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: rules(i32(60), maxSel, podsPolicy(10, 15))}, 1, 20, []step{
			{current: 3, desired: 3, want: 3, able: "ReadyForNewScale", limited: "DesiredWithinRange"},
			{advance: 30 * time.Second, current: 3, desired: 6, want: 3, able: "ScaleUpStabilized", limited: "DesiredWithinRange"},
			{advance: 31 * time.Second, current: 3, desired: 8, want: 6, able: "ScaleUpStabilized", limited: "DesiredWithinRange"},
			{advance: 31 * time.Second, current: 6, desired: 8, want: 8, able: "ReadyForNewScale", limited: "DesiredWithinRange"},
		}},
		{"pods policy over its period", &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: rules(i32(0), maxSel, podsPolicy(2, 60))}, 1, 20, []step{
			{current: 2, desired: 10, want: 4, able: "ReadyForNewScale", limited: "ScaleUpLimit", limitedTrue: true},
			{advance: 30 * time.Second, current: 4, desired: 10, want: 4, able: "ReadyForNewScale", limited: "ScaleUpLimit", limitedTrue: true},
			{advance: 31 * time.Second, current: 4, desired: 10, want: 6, able: "ReadyForNewScale", limited: "ScaleUpLimit", limitedTrue: true},
		}},
		{"select policy Min takes the smaller change", &autoscalingv2.HorizontalPodAutoscalerBehavior{
			ScaleUp: rules(i32(0), minSel, podsPolicy(4, 60), percent(50, 60))}, 1, 20, []step{
			{current: 4, desired: 20, want: 6, able: "ReadyForNewScale", limited: "ScaleUpLimit", limitedTrue: true},
		}},
		{"percent scale down rounds down", &autoscalingv2.HorizontalPodAutoscalerBehavior{
			ScaleDown: rules(i32(0), maxSel, percent(50, 60))}, 1, 20, []step{
			{current: 9, desired: 1, want: 4, able: "ReadyForNewScale", limited: "ScaleDownLimit", limitedTrue: true},
			{advance: 30 * time.Second, current: 4, desired: 1, want: 4, able: "ReadyForNewScale", limited: "ScaleDownLimit", limitedTrue: true},
			{advance: 31 * time.Second, current: 4, desired: 1, want: 2, able: "ReadyForNewScale", limited: "ScaleDownLimit", limitedTrue: true},
		}},
		{"scale down to minReplicas", &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: rules(i32(0), maxSel, podsPolicy(10, 60))}, 3, 20, []step{
			{current: 9, desired: 1, want: 3, able: "ReadyForNewScale", limited: "TooFewReplicas", limitedTrue: true},
		}},
		{"disabled scale down", &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: rules(i32(0), disabled)}, 1, 20, []step{
			{current: 9, desired: 1, want: 9, able: "ReadyForNewScale", limited: "ScaleDownLimit", limitedTrue: true},
		}},
		{"disabled scale up", &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: rules(i32(0), disabled)}, 1, 20, []step{
			{current: 3, desired: 9, want: 3, able: "ReadyForNewScale", limited: "ScaleUpLimit", limitedTrue: true},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runSteps(t, tc.b, tc.min, tc.max, tc.steps) })
	}
}
