package workload

import (
	"math"
	"sort"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PodDeletionCost is the annotation ranking pods for scale-down.
const PodDeletionCost = "controller.kubernetes.io/pod-deletion-cost"

// IsPodActive reports a pod neither terminal nor being deleted.
func IsPodActive(p *corev1.Pod) bool {
	return p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed && p.DeletionTimestamp == nil
}

// IsPodTerminating reports a non-terminal pod being deleted.
func IsPodTerminating(p *corev1.Pod) bool {
	return p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed && p.DeletionTimestamp != nil
}

// readyCondition returns the pod's Ready condition, if any.
func readyCondition(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// IsPodReady reports a pod whose Ready condition is True.
func IsPodReady(p *corev1.Pod) bool {
	c := readyCondition(p)
	return c != nil && c.Status == corev1.ConditionTrue
}

// IsPodAvailable reports a pod ready for at least minReadySeconds at now.
func IsPodAvailable(p *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	if !IsPodReady(p) {
		return false
	}
	c := readyCondition(p)
	d := time.Duration(minReadySeconds) * time.Second
	return minReadySeconds == 0 || (!c.LastTransitionTime.IsZero() && c.LastTransitionTime.Add(d).Before(now))
}

// NextAvailabilityCheck returns how long until the first ready but not yet
// available pod becomes available, or nil.
func NextAvailabilityCheck(pods []*corev1.Pod, minReadySeconds int32, now time.Time) *time.Duration {
	if minReadySeconds <= 0 {
		return nil
	}
	var best *time.Duration
	for _, p := range pods {
		if !IsPodReady(p) || IsPodAvailable(p, minReadySeconds, now) {
			continue
		}
		c := readyCondition(p)
		d := c.LastTransitionTime.Add(time.Duration(minReadySeconds)*time.Second).Sub(now) + time.Second/10
		if d < 0 {
			d = 0
		}
		if best == nil || d < *best {
			best = &d
		}
	}
	return best
}

// PodKey is namespace/name.
func PodKey(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }

// PodsToDelete picks n pods to delete, preferring those earliest in their
// life, as upstream's ActivePodsWithRanks ordering: unassigned before
// assigned, pending before unknown before running, not ready before
// ready, lower deletion cost first, pods doubled up on a node first,
// ready for less time first, more restarts first, newer first.
func PodsToDelete(pods []*corev1.Pod, related []*corev1.Pod, n int) []*corev1.Pod {
	if n >= len(pods) {
		return pods
	}
	perNode := map[string]int{}
	for _, p := range related {
		if p.Spec.NodeName != "" && IsPodActive(p) {
			perNode[p.Spec.NodeName]++
		}
	}
	ranked := make([]*corev1.Pod, len(pods))
	copy(ranked, pods)
	rank := func(p *corev1.Pod) int {
		if p.Spec.NodeName == "" {
			return 0
		}
		return perNode[p.Spec.NodeName]
	}
	now := time.Now()
	sort.SliceStable(ranked, func(i, j int) bool {
		a, b := ranked[i], ranked[j]
		if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
			return a.Spec.NodeName == ""
		}
		phase := map[corev1.PodPhase]int{corev1.PodPending: 0, corev1.PodUnknown: 1, corev1.PodRunning: 2}
		if phase[a.Status.Phase] != phase[b.Status.Phase] {
			return phase[a.Status.Phase] < phase[b.Status.Phase]
		}
		if IsPodReady(a) != IsPodReady(b) {
			return !IsPodReady(a)
		}
		if ca, cb := deletionCost(a), deletionCost(b); ca != cb {
			return ca < cb
		}
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra > rb
		}
		if IsPodReady(a) && IsPodReady(b) {
			ta, tb := readyCondition(a).LastTransitionTime, readyCondition(b).LastTransitionTime
			if la, lb := logBucket(now, ta), logBucket(now, tb); la != lb {
				return la < lb
			}
		}
		if ra, rb := restarts(a), restarts(b); ra != rb {
			return ra > rb
		}
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return afterOrZero(a.CreationTimestamp, b.CreationTimestamp)
		}
		return false
	})
	return ranked[:n]
}

func deletionCost(p *corev1.Pod) int64 {
	v, err := strconv.ParseInt(p.Annotations[PodDeletionCost], 10, 32)
	if err != nil {
		return 0
	}
	return v
}

func logBucket(now time.Time, t metav1.Time) int {
	if t.IsZero() {
		return math.MinInt32
	}
	d := now.Sub(t.Time).Seconds()
	if d < 1 {
		return 0
	}
	return int(math.Log2(d))
}

func restarts(p *corev1.Pod) int32 {
	var max int32
	for _, c := range p.Status.ContainerStatuses {
		if c.RestartCount > max {
			max = c.RestartCount
		}
	}
	return max
}

func afterOrZero(a, b metav1.Time) bool {
	if a.IsZero() || b.IsZero() {
		return a.IsZero()
	}
	return a.After(b.Time)
}
