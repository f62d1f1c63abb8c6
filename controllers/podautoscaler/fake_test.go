package podautoscaler

import (
	"context"
	"errors"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// now is the fixed time of the unit tests.
var now = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

// fakeSource serves fixed metrics (a copy each call, as the calculator
// edits them) or fails with err.
type fakeSource struct {
	resource podMetrics
	pods     podMetrics
	object   int64
	external []int64
	err      error
}

func (f *fakeSource) copyOf(m podMetrics) (podMetrics, time.Time, error) {
	if f.err != nil {
		return nil, time.Time{}, f.err
	}
	out := podMetrics{}
	for k, v := range m {
		out[k] = v
	}
	return out, now, nil
}

func (f *fakeSource) ResourceMetric(context.Context, corev1.ResourceName, string, labels.Selector, string) (podMetrics, time.Time, error) {
	return f.copyOf(f.resource)
}

func (f *fakeSource) PodsMetric(context.Context, string, string, labels.Selector, labels.Selector) (podMetrics, time.Time, error) {
	return f.copyOf(f.pods)
}

func (f *fakeSource) ObjectMetric(context.Context, string, string, *autoscalingv2.CrossVersionObjectReference, labels.Selector) (int64, time.Time, error) {
	return f.object, now, f.err
}

func (f *fakeSource) ExternalMetric(context.Context, string, string, labels.Selector) ([]int64, time.Time, error) {
	if f.err != nil {
		return nil, time.Time{}, f.err
	}
	return f.external, now, nil
}

var errNoAPI = errors.New("the server could not find the requested resource (get pods.metrics.k8s.io)")

// podOpt changes a test pod.
type podOpt func(*corev1.Pod)

// testPod is a running pod, started ten minutes ago and ready since
// nine, with one container "c" requesting cpu (milli-cores) and 1Gi.
func testPod(name string, cpu int64, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"app": "a"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU:    *resource.NewMilliQuantity(cpu, resource.DecimalSI),
			corev1.ResourceMemory: resource.MustParse("1Gi"),
		}}}}},
		Status: corev1.PodStatus{
			Phase:     corev1.PodRunning,
			StartTime: &metav1.Time{Time: now.Add(-10 * time.Minute)},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue,
				LastTransitionTime: metav1.Time{Time: now.Add(-9 * time.Minute)}}},
		},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// unready: the pod never became ready.
func unready(p *corev1.Pod) {
	p.Status.Conditions[0].Status = corev1.ConditionFalse
	p.Status.Conditions[0].LastTransitionTime = *p.Status.StartTime
}

func pending(p *corev1.Pod) { p.Status.Phase = corev1.PodPending }
func failed(p *corev1.Pod)  { p.Status.Phase = corev1.PodFailed }
func deleting(p *corev1.Pod) {
	p.DeletionTimestamp = &metav1.Time{Time: now}
}

// youngReadySince: started a minute ago, ready for d.
func youngReadySince(d time.Duration) podOpt {
	return func(p *corev1.Pod) {
		p.Status.StartTime = &metav1.Time{Time: now.Add(-time.Minute)}
		p.Status.Conditions[0].LastTransitionTime = metav1.Time{Time: now.Add(-d)}
	}
}

// sidecar adds a restartable init container requesting cpu.
func sidecar(cpu int64) podOpt {
	return func(p *corev1.Pod) {
		always := corev1.ContainerRestartPolicyAlways
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: "side", RestartPolicy: &always,
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: *resource.NewMilliQuantity(cpu, resource.DecimalSI)}}})
	}
}

// samples are milli-values by pod name p0, p1..., taken now over 30s.
func samples(values ...int64) podMetrics {
	m := podMetrics{}
	for i, v := range values {
		m[podName(i)] = podMetric{at: now, window: 30 * time.Second, value: v}
	}
	return m
}

func podName(i int) string { return "p" + string(rune('0'+i)) }

// pods makes pods p0, p1... requesting the given cpu.
func pods(cpu []int64, opts map[int][]podOpt) []*corev1.Pod {
	var out []*corev1.Pod
	for i, c := range cpu {
		out = append(out, testPod(podName(i), c, opts[i]...))
	}
	return out
}

func newCalc(src MetricsSource, ps []*corev1.Pod) *calculator {
	return &calculator{source: src, now: func() time.Time { return now },
		pods: func(context.Context, string, labels.Selector) ([]*corev1.Pod, error) { return ps, nil }}
}
