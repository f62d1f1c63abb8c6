package podautoscaler

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/skiff-k8s/skiff/controllers/internal/workload"
)

// Defaults of kube-controller-manager's HPA flags.
const (
	DefaultTolerance = 0.1
	// CPUInitializationPeriod: a pod this young has its CPU samples
	// doubted until it has been ready for a whole metric window.
	CPUInitializationPeriod = 5 * time.Minute
	// InitialReadinessDelay: an older pod that turned unready this soon
	// after starting has never been ready, and its CPU sample is ignored.
	InitialReadinessDelay = 30 * time.Second
)

// tolerances are how far the usage ratio may be from 1 before the
// replica count changes, below and above.
type tolerances struct{ down, up float64 }

func (t tolerances) within(ratio float64) bool {
	return 1.0-t.down <= ratio && ratio <= 1.0+t.up
}

// tolerancesOf gives the controller's tolerance, overridden per direction
// by spec.behavior (HPAConfigurableTolerance is GA in 1.37).
func tolerancesOf(hpa *autoscalingv2.HorizontalPodAutoscaler) tolerances {
	t := tolerances{DefaultTolerance, DefaultTolerance}
	if b := hpa.Spec.Behavior; b != nil {
		if b.ScaleDown != nil && b.ScaleDown.Tolerance != nil {
			t.down = b.ScaleDown.Tolerance.AsApproximateFloat64()
		}
		if b.ScaleUp != nil && b.ScaleUp.Tolerance != nil {
			t.up = b.ScaleUp.Tolerance.AsApproximateFloat64()
		}
	}
	return t
}

// calculator turns metric values into replica counts as upstream's
// replica calculator does.
type calculator struct {
	source MetricsSource
	// pods lists the pods of namespace matching selector.
	pods func(ctx context.Context, namespace string, selector labels.Selector) ([]*corev1.Pod, error)
	now  func() time.Time
}

func (c *calculator) listPods(ctx context.Context, namespace string, selector labels.Selector) ([]*corev1.Pod, error) {
	pods, err := c.pods(ctx, namespace, selector)
	if err != nil {
		return nil, fmt.Errorf("unable to get pods while calculating replica count: %w", err)
	}
	if len(pods) == 0 {
		return nil, errors.New("no pods returned by selector while calculating replica count")
	}
	return pods, nil
}

// resourceReplicas computes replicas for a utilization target (percent of
// the pods' requests); it also returns the current utilization and the
// average raw usage.
func (c *calculator) resourceReplicas(ctx context.Context, current, target int32, resource corev1.ResourceName, tol tolerances,
	namespace string, selector labels.Selector, container string) (int32, int32, int64, time.Time, error) {
	metrics, ts, err := c.source.ResourceMetric(ctx, resource, namespace, selector, container)
	if err != nil {
		return 0, 0, 0, time.Time{}, fmt.Errorf("unable to get metrics for resource %s: %w", resource, err)
	}
	pods, err := c.listPods(ctx, namespace, selector)
	if err != nil {
		return 0, 0, 0, time.Time{}, err
	}
	ready, unready, missing, ignored := c.groupPods(pods, metrics, resource)
	deleteAll(metrics, ignored)
	deleteAll(metrics, unready)
	if len(metrics) == 0 {
		return 0, 0, 0, time.Time{}, errors.New("did not receive metrics for targeted pods (pods might be unready)")
	}
	requests, err := podRequests(pods, container, resource)
	if err != nil {
		return 0, 0, 0, time.Time{}, err
	}
	ratio, utilization, raw, err := utilizationRatio(metrics, requests, target)
	if err != nil {
		return 0, 0, 0, time.Time{}, err
	}
	upWithUnready := len(unready) > 0 && ratio > 1.0
	if !upWithUnready && len(missing) == 0 {
		if tol.within(ratio) {
			return current, utilization, raw, ts, nil
		}
		return int32(math.Ceil(ratio * float64(ready))), utilization, raw, ts, nil
	}
	if len(missing) > 0 {
		// Assume the worst for the direction: pods without metrics use
		// their whole request (or the target, if higher) on a scale
		// down, and nothing on a scale up.
		fallback := int64(max(100, target))
		for name := range missing {
			switch {
			case ratio < 1.0:
				metrics[name] = podMetric{value: requests[name] * fallback / 100}
			case ratio > 1.0:
				metrics[name] = podMetric{value: 0}
			}
		}
	}
	if upWithUnready {
		for name := range unready {
			metrics[name] = podMetric{value: 0}
		}
	}
	newRatio, _, _, err := utilizationRatio(metrics, requests, target)
	if err != nil {
		return 0, utilization, raw, time.Time{}, err
	}
	return settle(current, ratio, newRatio, len(metrics), tol), utilization, raw, ts, nil
}

// settle is the replica count once pods without usable samples were given
// assumed values: no change when the result is within tolerance or would
// reverse the direction the measured pods asked for.
func settle(current int32, ratio, newRatio float64, counted int, tol tolerances) int32 {
	if tol.within(newRatio) || (ratio < 1.0 && newRatio > 1.0) || (ratio > 1.0 && newRatio < 1.0) {
		return current
	}
	n := int32(math.Ceil(newRatio * float64(counted)))
	if (newRatio < 1.0 && n > current) || (newRatio > 1.0 && n < current) {
		return current
	}
	return n
}

// rawResourceReplicas computes replicas for an average value target of a
// resource; it returns the average usage.
func (c *calculator) rawResourceReplicas(ctx context.Context, current int32, target int64, resource corev1.ResourceName, tol tolerances,
	namespace string, selector labels.Selector, container string) (int32, int64, time.Time, error) {
	metrics, ts, err := c.source.ResourceMetric(ctx, resource, namespace, selector, container)
	if err != nil {
		return 0, 0, time.Time{}, fmt.Errorf("unable to get metrics for resource %s: %w", resource, err)
	}
	n, usage, err := c.plainReplicas(ctx, metrics, current, target, tol, namespace, selector, resource)
	return n, usage, ts, err
}

// podsMetricReplicas computes replicas for a Pods metric source.
func (c *calculator) podsMetricReplicas(ctx context.Context, current int32, target int64, name string, tol tolerances,
	namespace string, selector, metricSelector labels.Selector) (int32, int64, time.Time, error) {
	metrics, ts, err := c.source.PodsMetric(ctx, name, namespace, selector, metricSelector)
	if err != nil {
		return 0, 0, time.Time{}, fmt.Errorf("unable to get metric %s: %w", name, err)
	}
	n, usage, err := c.plainReplicas(ctx, metrics, current, target, tol, namespace, selector, "")
	return n, usage, ts, err
}

// plainReplicas computes replicas for an average per-pod value target.
func (c *calculator) plainReplicas(ctx context.Context, metrics podMetrics, current int32, target int64, tol tolerances,
	namespace string, selector labels.Selector, resource corev1.ResourceName) (int32, int64, error) {
	pods, err := c.listPods(ctx, namespace, selector)
	if err != nil {
		return 0, 0, err
	}
	ready, unready, missing, ignored := c.groupPods(pods, metrics, resource)
	deleteAll(metrics, ignored)
	deleteAll(metrics, unready)
	if len(metrics) == 0 {
		return 0, 0, errors.New("did not receive metrics for targeted pods (pods might be unready)")
	}
	ratio, usage := usageRatio(metrics, target)
	upWithUnready := len(unready) > 0 && ratio > 1.0
	if !upWithUnready && len(missing) == 0 {
		if tol.within(ratio) {
			return current, usage, nil
		}
		return int32(math.Ceil(ratio * float64(ready))), usage, nil
	}
	for name := range missing {
		switch {
		case ratio < 1.0: // exactly the target on a scale down
			metrics[name] = podMetric{value: target}
		case ratio > 1.0:
			metrics[name] = podMetric{value: 0}
		}
	}
	if upWithUnready {
		for name := range unready {
			metrics[name] = podMetric{value: 0}
		}
	}
	newRatio, _ := usageRatio(metrics, target)
	return settle(current, ratio, newRatio, len(metrics), tol), usage, nil
}

// groupPods sorts pods into ready ones with metrics (counted), unready
// ones (pending, or for CPU not yet trustworthy), ones missing metrics,
// and ignored ones (being deleted or failed).
func (c *calculator) groupPods(pods []*corev1.Pod, metrics podMetrics, resource corev1.ResourceName) (ready int, unready, missing, ignored sets.Set[string]) {
	unready, missing, ignored = sets.New[string](), sets.New[string](), sets.New[string]()
	now := c.now()
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil || pod.Status.Phase == corev1.PodFailed {
			ignored.Insert(pod.Name)
			continue
		}
		if pod.Status.Phase == corev1.PodPending {
			unready.Insert(pod.Name)
			continue
		}
		m, ok := metrics[pod.Name]
		if !ok {
			missing.Insert(pod.Name)
			continue
		}
		if resource == corev1.ResourceCPU && cpuSampleUnready(pod, m, now) {
			unready.Insert(pod.Name)
			continue
		}
		ready++
	}
	return ready, unready, missing, ignored
}

// cpuSampleUnready: CPU spikes while a pod starts, so a young pod's sample
// counts only when it is ready and was taken a whole window after the pod
// became ready; an older pod's only when it has ever been ready.
func cpuSampleUnready(pod *corev1.Pod, m podMetric, now time.Time) bool {
	var cond *corev1.PodCondition
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodReady {
			cond = &pod.Status.Conditions[i]
			break
		}
	}
	if cond == nil || pod.Status.StartTime == nil {
		return true
	}
	start := pod.Status.StartTime.Time
	if start.Add(CPUInitializationPeriod).After(now) {
		return cond.Status == corev1.ConditionFalse || m.at.Before(cond.LastTransitionTime.Add(m.window))
	}
	return cond.Status == corev1.ConditionFalse && start.Add(InitialReadinessDelay).After(cond.LastTransitionTime.Time)
}

func deleteAll(metrics podMetrics, names sets.Set[string]) {
	for name := range names {
		delete(metrics, name)
	}
}

// readyPods counts the running, ready pods matching selector.
func (c *calculator) readyPods(ctx context.Context, namespace string, selector labels.Selector) (int64, error) {
	pods, err := c.listPods(ctx, namespace, selector)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, p := range pods {
		if p.Status.Phase == corev1.PodRunning && workload.IsPodReady(p) {
			n++
		}
	}
	return n, nil
}
