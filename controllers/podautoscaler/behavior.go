package podautoscaler

import (
	"math"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
)

// normalizeWithBehavior applies spec.behavior: the stabilization windows
// of both directions, then minReplicas, maxReplicas and the scale-up or
// scale-down policies over the scale events of their periods. It sets
// AbleToScale and ScalingLimited.
func (m *memory) normalizeWithBehavior(hpa *autoscalingv2.HorizontalPodAutoscaler, key string, current, desired, minReplicas int32) int32 {
	up, down := rulesOf(hpa.Spec.Behavior)
	stabilized, reason, msg := m.stabilizeWithBehavior(key, current, desired, up, down)
	if stabilized != desired {
		setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionTrue, reason, "%s", msg)
	} else {
		setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionTrue, "ReadyForNewScale", "recommended size matches current size")
	}
	out, reason, msg := m.limitWithBehavior(key, current, stabilized, minReplicas, hpa.Spec.MaxReplicas, up, down)
	setLimited(hpa, out != stabilized, reason, msg)
	return out
}

// rulesOf returns the scale-up and scale-down rules of b with the API's
// defaults for what is unset (the API server defaults them already), and
// the controller's downscale window for an unset scale-down window.
func rulesOf(b *autoscalingv2.HorizontalPodAutoscalerBehavior) (up, down autoscalingv2.HPAScalingRules) {
	maxPolicy := autoscalingv2.MaxChangePolicySelect
	up = autoscalingv2.HPAScalingRules{
		StabilizationWindowSeconds: new(int32),
		SelectPolicy:               &maxPolicy,
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
	down = autoscalingv2.HPAScalingRules{
		SelectPolicy: &maxPolicy,
		Policies:     []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}},
	}
	merge := func(to *autoscalingv2.HPAScalingRules, from *autoscalingv2.HPAScalingRules) {
		if from == nil {
			return
		}
		if from.StabilizationWindowSeconds != nil {
			to.StabilizationWindowSeconds = from.StabilizationWindowSeconds
		}
		if from.SelectPolicy != nil {
			to.SelectPolicy = from.SelectPolicy
		}
		if from.Policies != nil {
			to.Policies = from.Policies
		}
	}
	if b != nil {
		merge(&up, b.ScaleUp)
		merge(&down, b.ScaleDown)
	}
	if down.StabilizationWindowSeconds == nil {
		w := int32(DownscaleStabilizationWindow.Seconds())
		down.StabilizationWindowSeconds = &w
	}
	return up, down
}

// stabilizeWithBehavior records desired and brings current within the
// lowest recommendation of the scale-up window and the highest of the
// scale-down window.
func (m *memory) stabilizeWithBehavior(key string, current, desired int32, up, down autoscalingv2.HPAScalingRules) (int32, string, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	upCutoff := now.Add(-time.Second * time.Duration(*up.StabilizationWindowSeconds))
	downCutoff := now.Add(-time.Second * time.Duration(*down.StabilizationWindowSeconds))
	upRec, downRec, old := desired, desired, -1
	for i, r := range m.recs[key] {
		if r.at.After(upCutoff) {
			upRec = min(upRec, r.replicas)
		}
		if r.at.After(downCutoff) {
			downRec = max(downRec, r.replicas)
		}
		if r.at.Before(upCutoff) && r.at.Before(downCutoff) {
			old = i
		}
	}
	out := min(max(current, upRec), downRec)
	m.record(key, old, desired)
	if desired >= current {
		return out, "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation"
	}
	return out, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation"
}

// limitWithBehavior bounds desired by the replica range and by how much
// the policies still allow to change within their periods.
func (m *memory) limitWithBehavior(key string, current, desired, minReplicas, maxReplicas int32, up, down autoscalingv2.HPAScalingRules) (int32, string, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	ups, downs := m.ups[key], m.downs[key]
	switch {
	case desired > current:
		limit := max(scaleUpLimit(now, current, ups, downs, up), current)
		upper := maxReplicas
		reason, msg := "TooManyReplicas", "the desired replica count is more than the maximum replica count"
		if upper > limit {
			upper = limit
			reason, msg = "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"
		}
		if desired > upper {
			return upper, reason, msg
		}
	case desired < current:
		limit := min(scaleDownLimit(now, current, ups, downs, down), current)
		lower := minReplicas
		reason, msg := "TooFewReplicas", "the desired replica count is less than the minimum replica count"
		if lower < limit {
			lower = limit
			reason, msg = "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"
		}
		if desired < lower {
			return lower, reason, msg
		}
	}
	return desired, "DesiredWithinRange", "the desired count is within the acceptable range"
}

// changeInPeriod sums the changes of the events newer than periodSeconds.
func changeInPeriod(now time.Time, periodSeconds int32, events []scaleEvent) int32 {
	cutoff := now.Add(-time.Second * time.Duration(periodSeconds))
	var n int32
	for _, e := range events {
		if e.at.After(cutoff) {
			n += e.change
		}
	}
	return n
}

// scaleUpLimit is the most replicas the scale-up policies allow now: each
// policy's allowance is counted from the replicas at the start of its
// period; selectPolicy Max takes the largest, Min the smallest.
func scaleUpLimit(now time.Time, current int32, ups, downs []scaleEvent, rules autoscalingv2.HPAScalingRules) int32 {
	pick, result := maxInt32, int32(math.MinInt32)
	switch *rules.SelectPolicy {
	case autoscalingv2.DisabledPolicySelect:
		return current
	case autoscalingv2.MinChangePolicySelect:
		pick, result = minInt32, math.MaxInt32
	}
	for _, p := range rules.Policies {
		start := current - changeInPeriod(now, p.PeriodSeconds, ups) + changeInPeriod(now, p.PeriodSeconds, downs)
		var proposed int32
		switch p.Type {
		case autoscalingv2.PodsScalingPolicy:
			proposed = start + p.Value
		case autoscalingv2.PercentScalingPolicy:
			// rounded up, or a small target could never grow
			proposed = int32(math.Ceil(float64(start) * (1 + float64(p.Value)/100)))
		}
		result = pick(result, proposed)
	}
	return result
}

// scaleDownLimit is the fewest replicas the scale-down policies allow now;
// selectPolicy Max (the largest change) takes the smallest count.
func scaleDownLimit(now time.Time, current int32, ups, downs []scaleEvent, rules autoscalingv2.HPAScalingRules) int32 {
	pick, result := minInt32, int32(math.MaxInt32)
	switch *rules.SelectPolicy {
	case autoscalingv2.DisabledPolicySelect:
		return current
	case autoscalingv2.MinChangePolicySelect:
		pick, result = maxInt32, math.MinInt32
	}
	for _, p := range rules.Policies {
		start := current - changeInPeriod(now, p.PeriodSeconds, ups) + changeInPeriod(now, p.PeriodSeconds, downs)
		var proposed int32
		switch p.Type {
		case autoscalingv2.PodsScalingPolicy:
			proposed = start - p.Value
		case autoscalingv2.PercentScalingPolicy:
			proposed = int32(float64(start) * (1 - float64(p.Value)/100))
		}
		result = pick(result, proposed)
	}
	return result
}

// recordScale remembers a rescale of an HPA with a behavior, reusing the
// slot of an event older than every policy period of its direction.
func (m *memory) recordScale(b *autoscalingv2.HorizontalPodAutoscalerBehavior, key string, from, to int32) {
	if b == nil {
		return
	}
	up, down := rulesOf(b)
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	events, rules, change := m.downs, down, from-to
	if to > from {
		events, rules, change = m.ups, up, to-from
	}
	var longest int32
	for _, p := range rules.Policies {
		longest = max(longest, p.PeriodSeconds)
	}
	cutoff := now.Add(-time.Second * time.Duration(longest))
	list, slot := events[key], -1
	for i := range list {
		if list[i].at.Before(cutoff) {
			list[i].outdated = true
		}
		if list[i].outdated {
			slot = i
		}
	}
	e := scaleEvent{change: change, at: now}
	if slot >= 0 {
		list[slot] = e
	} else {
		list = append(list, e)
	}
	events[key] = list
}

func minInt32(a, b int32) int32 { return min(a, b) }
func maxInt32(a, b int32) int32 { return max(a, b) }
