package podautoscaler

import (
	"math"
	"sync"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
)

// DownscaleStabilizationWindow is how long a lower recommendation waits
// for the recommendations before it (kube-controller-manager's
// --horizontal-pod-autoscaler-downscale-stabilization default); it also
// defaults behavior.scaleDown.stabilizationWindowSeconds.
const DownscaleStabilizationWindow = 5 * time.Minute

// Without spec.behavior a scale up goes to at most max(2*current, 4).
const (
	scaleUpLimitFactor  = 2.0
	scaleUpLimitMinimum = 4.0
)

type recommendation struct {
	replicas int32
	at       time.Time
}

type scaleEvent struct {
	change   int32 // replicas added or removed, never negative
	at       time.Time
	outdated bool // older than every policy period; its slot may be reused
}

// memory is what the controller remembers of each HPA (by namespace/name)
// between syncs: its recent unstabilized recommendations and, for HPAs with
// a behavior, its recent scale events.
type memory struct {
	mu    sync.Mutex
	now   func() time.Time
	recs  map[string][]recommendation
	ups   map[string][]scaleEvent
	downs map[string][]scaleEvent
}

func newMemory(now func() time.Time) *memory {
	return &memory{now: now, recs: map[string][]recommendation{},
		ups: map[string][]scaleEvent{}, downs: map[string][]scaleEvent{}}
}

// seed records the current replicas as the first recommendation of an HPA
// seen for the first time, so it is not scaled down at once after a
// controller restart.
func (m *memory) seed(key string, current int32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.recs[key] == nil {
		m.recs[key] = []recommendation{{current, m.now()}}
	}
}

func (m *memory) forget(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.recs, key)
	delete(m.ups, key)
	delete(m.downs, key)
}

// record replaces the recommendation at index old (when >= 0) or appends.
func (m *memory) record(key string, old int, replicas int32) {
	r := recommendation{replicas, m.now()}
	if old >= 0 {
		m.recs[key][old] = r
	} else {
		m.recs[key] = append(m.recs[key], r)
	}
}

// normalize applies the rules used without spec.behavior: the highest
// recommendation of the downscale window, then minReplicas, maxReplicas and
// the scale-up limit. It sets AbleToScale and ScalingLimited.
func (m *memory) normalize(hpa *autoscalingv2.HorizontalPodAutoscaler, key string, current, desired, minReplicas int32) int32 {
	stabilized := m.stabilize(key, desired)
	if stabilized != desired {
		setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionTrue, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation")
	} else {
		setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionTrue, "ReadyForNewScale", "recommended size matches current size")
	}
	out, reason, msg := limitWithRules(current, stabilized, minReplicas, hpa.Spec.MaxReplicas)
	setLimited(hpa, out != stabilized, reason, msg)
	return out
}

func setLimited(hpa *autoscalingv2.HorizontalPodAutoscaler, limited bool, reason, msg string) {
	status := corev1.ConditionFalse
	if limited {
		status = corev1.ConditionTrue
	}
	setCondition(hpa, autoscalingv2.ScalingLimited, status, reason, "%s", msg)
}

// stabilize records desired and returns the highest recommendation of the
// downscale window.
func (m *memory) stabilize(key string, desired int32) int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	highest, old := desired, -1
	cutoff := m.now().Add(-DownscaleStabilizationWindow)
	for i, r := range m.recs[key] {
		if r.at.Before(cutoff) {
			old = i
		} else if r.replicas > highest {
			highest = r.replicas
		}
	}
	m.record(key, old, desired)
	return highest
}

// limitWithRules bounds desired by minReplicas, maxReplicas and
// max(2*current, 4), naming the bound that applied.
func limitWithRules(current, desired, minReplicas, maxReplicas int32) (int32, string, string) {
	upper := maxReplicas
	reason, msg := "TooManyReplicas", "the desired replica count is more than the maximum replica count"
	if limit := int32(math.Max(scaleUpLimitFactor*float64(current), scaleUpLimitMinimum)); maxReplicas > limit {
		upper = limit
		reason, msg = "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"
	}
	switch {
	case desired < minReplicas:
		return minReplicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
	case desired > upper:
		return upper, reason, msg
	}
	return desired, "DesiredWithinRange", "the desired count is within the acceptable range"
}
