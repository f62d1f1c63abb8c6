package podautoscaler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/scale"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

// fakeScales is the scale subresource of Deployments in namespace ns.
type fakeScales struct {
	replicas  map[string]int32
	selector  string
	updateErr error
}

func (f *fakeScales) Scales(string) scale.ScaleInterface { return f }

func (f *fakeScales) Get(_ context.Context, gr schema.GroupResource, name string, _ metav1.GetOptions) (*autoscalingv1.Scale, error) {
	n, ok := f.replicas[name]
	if !ok || gr.Resource != "deployments" {
		return nil, errors.New(`deployments.apps "` + name + `" not found`)
	}
	return &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec: autoscalingv1.ScaleSpec{Replicas: n}, Status: autoscalingv1.ScaleStatus{Replicas: n, Selector: f.selector}}, nil
}

func (f *fakeScales) Update(_ context.Context, _ schema.GroupResource, s *autoscalingv1.Scale, _ metav1.UpdateOptions) (*autoscalingv1.Scale, error) {
	if f.updateErr != nil {
		return nil, f.updateErr
	}
	f.replicas[s.Name] = s.Spec.Replicas
	return s, nil
}

func (f *fakeScales) Patch(context.Context, schema.GroupVersionResource, string, types.PatchType, []byte, metav1.PatchOptions) (*autoscalingv1.Scale, error) {
	return nil, errors.New("not supported")
}

type syncEnv struct {
	r      *Reconciler
	scales *fakeScales
	events *record.FakeRecorder
	client client.Client
}

func newSyncEnv(t *testing.T, src MetricsSource, replicas int32, objs ...client.Object) *syncEnv {
	t.Helper()
	sch := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, autoscalingv2.AddToScheme} {
		if err := add(sch); err != nil {
			t.Fatal(err)
		}
	}
	c := fake.NewClientBuilder().WithScheme(sch).WithObjects(objs...).WithStatusSubresource(&autoscalingv2.HorizontalPodAutoscaler{}).Build()
	mapper := apimeta.NewDefaultRESTMapper([]schema.GroupVersion{appsv1.SchemeGroupVersion})
	mapper.Add(appsv1.SchemeGroupVersion.WithKind("Deployment"), apimeta.RESTScopeNamespace)
	e := &syncEnv{scales: &fakeScales{replicas: map[string]int32{"web": replicas}, selector: "app=a"}, events: record.NewFakeRecorder(100), client: c}
	e.r = &Reconciler{Client: c, Scales: e.scales, Mapper: mapper, Metrics: src, Recorder: e.events, Now: func() time.Time { return now }}
	e.r.init()
	return e
}

func cpuHPA(name string, minReplicas, maxReplicas, target int32, b *autoscalingv2.HorizontalPodAutoscalerBehavior) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Generation: 1},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    &minReplicas, MaxReplicas: maxReplicas, Behavior: b,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &target}}}},
		},
	}
}

// sync reconciles the HPA and returns it and the events since the last call.
func (e *syncEnv) sync(t *testing.T, name string) (*autoscalingv2.HorizontalPodAutoscaler, []string) {
	t.Helper()
	res, err := e.r.Reconcile(context.Background(), ctrl.Request{NamespacedName: types.NamespacedName{Namespace: "ns", Name: name}})
	if err != nil || res.RequeueAfter != SyncPeriod {
		t.Fatalf("Reconcile: %+v %v", res, err)
	}
	hpa := &autoscalingv2.HorizontalPodAutoscaler{}
	if err := e.client.Get(context.Background(), types.NamespacedName{Namespace: "ns", Name: name}, hpa); err != nil {
		t.Fatal(err)
	}
	var events []string
	for {
		select {
		case ev := <-e.events.Events:
			events = append(events, ev)
		default:
			return hpa, events
		}
	}
}

func wantCondition(t *testing.T, hpa *autoscalingv2.HorizontalPodAutoscaler, typ autoscalingv2.HorizontalPodAutoscalerConditionType, status corev1.ConditionStatus, reason, message string) {
	t.Helper()
	for _, c := range hpa.Status.Conditions {
		if c.Type == typ {
			if c.Status != status || c.Reason != reason || c.Message != message {
				t.Errorf("%s=%s %s %q, want %s %s %q", typ, c.Status, c.Reason, c.Message, status, reason, message)
			}
			return
		}
	}
	t.Errorf("no %s condition in %+v", typ, hpa.Status.Conditions)
}

func wantEvents(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func podObjects(requests []int64, opts map[int][]podOpt) []client.Object {
	var out []client.Object
	for _, p := range pods(requests, opts) {
		out = append(out, p)
	}
	return out
}

func TestSyncScalesUpOnCPU(t *testing.T) {
	objs := append(podObjects(ones(3), nil), cpuHPA("h", 1, 10, 30, nil))
	e := newSyncEnv(t, &fakeSource{resource: samples(300, 500, 700)}, 3, objs...)
	hpa, events := e.sync(t, "h")
	wantEvents(t, events, "Normal SuccessfulRescale New size: 5; reason: cpu resource utilization (percentage of request) above target")
	if e.scales.replicas["web"] != 5 {
		t.Errorf("target at %d replicas, want 5", e.scales.replicas["web"])
	}
	wantCondition(t, hpa, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededRescale", "the HPA controller was able to update the target scale to 5")
	wantCondition(t, hpa, autoscalingv2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound",
		"the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)")
	wantCondition(t, hpa, autoscalingv2.ScalingLimited, corev1.ConditionFalse, "DesiredWithinRange", "the desired count is within the acceptable range")
	wantCondition(t, hpa, autoscalingv2.ScaledToZero, corev1.ConditionFalse, "NotScaledToZero", "the HPA controller did not scale the workload to zero")
	st := hpa.Status
	if st.CurrentReplicas != 3 || st.DesiredReplicas != 5 || st.LastScaleTime == nil || st.ObservedGeneration == nil || *st.ObservedGeneration != 1 {
		t.Errorf("status %+v", st)
	}
	if len(st.CurrentMetrics) != 1 || st.CurrentMetrics[0].Resource == nil || *st.CurrentMetrics[0].Resource.Current.AverageUtilization != 50 ||
		st.CurrentMetrics[0].Resource.Current.AverageValue.String() != "500m" {
		t.Errorf("currentMetrics %+v", st.CurrentMetrics)
	}
}

func TestSyncScalesDownWithBehavior(t *testing.T) {
	zero := int32(0)
	b := &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &zero}}
	objs := append(podObjects(ones(5), nil), cpuHPA("h", 1, 10, 50, b))
	e := newSyncEnv(t, &fakeSource{resource: samples(100, 300, 500, 250, 250)}, 5, objs...)
	hpa, events := e.sync(t, "h")
	wantEvents(t, events, "Normal SuccessfulRescale New size: 3; reason: All metrics below target")
	wantCondition(t, hpa, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededRescale", "the HPA controller was able to update the target scale to 3")
}

func TestSyncWithinToleranceWritesNothingTwice(t *testing.T) {
	objs := append(podObjects(ones(2), nil), cpuHPA("h", 1, 10, 50, nil))
	e := newSyncEnv(t, &fakeSource{resource: samples(500, 520)}, 2, objs...)
	first, events := e.sync(t, "h")
	wantEvents(t, events)
	wantCondition(t, first, autoscalingv2.AbleToScale, corev1.ConditionTrue, "ReadyForNewScale", "recommended size matches current size")
	if first.Status.LastScaleTime != nil || first.Status.DesiredReplicas != 2 {
		t.Errorf("status %+v", first.Status)
	}
	second, _ := e.sync(t, "h")
	if second.ResourceVersion != first.ResourceVersion {
		t.Errorf("an unchanged status was written again")
	}
}

func TestSyncWithoutMetricsAPI(t *testing.T) {
	objs := append(podObjects(ones(2), nil), cpuHPA("h", 1, 10, 50, nil))
	e := newSyncEnv(t, &fakeSource{err: errors.New("unable to fetch metrics from resource metrics API: " + errNoAPI.Error())}, 2, objs...)
	hpa, events := e.sync(t, "h")
	cause := "failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: " +
		"the server could not find the requested resource (get pods.metrics.k8s.io)"
	wantEvents(t, events, "Warning FailedGetResourceMetric "+cause,
		"Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: "+cause)
	wantCondition(t, hpa, autoscalingv2.ScalingActive, corev1.ConditionFalse, "FailedGetResourceMetric", "the HPA was unable to compute the replica count: "+cause)
	wantCondition(t, hpa, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededGetScale", "the HPA controller was able to get the target's current scale")
	if len(hpa.Status.CurrentMetrics) != 1 || hpa.Status.CurrentReplicas != 2 || e.scales.replicas["web"] != 2 {
		t.Errorf("status %+v, target at %d", hpa.Status, e.scales.replicas["web"])
	}
}

func TestSyncBounds(t *testing.T) {
	cases := []struct {
		name              string
		current, min, max int32
		want              int32
		event             string
		active            string // reason of ScalingActive, "" for none
	}{
		{name: "below min", current: 1, min: 2, max: 5, want: 2, event: "Normal SuccessfulRescale New size: 2; reason: Current number of replicas below Spec.MinReplicas"},
		{name: "above max", current: 7, min: 1, max: 5, want: 5, event: "Normal SuccessfulRescale New size: 5; reason: Current number of replicas above Spec.MaxReplicas"},
		{name: "zero", current: 0, min: 1, max: 5, want: 0, active: "ScalingDisabled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newSyncEnv(t, &fakeSource{err: errNoAPI}, tc.current, cpuHPA("h", tc.min, tc.max, 50, nil))
			hpa, events := e.sync(t, "h")
			if tc.event != "" {
				wantEvents(t, events, tc.event)
			} else {
				wantEvents(t, events)
			}
			if e.scales.replicas["web"] != tc.want || hpa.Status.DesiredReplicas != tc.want || hpa.Status.CurrentReplicas != tc.current {
				t.Errorf("target at %d, status %+v; want %d", e.scales.replicas["web"], hpa.Status, tc.want)
			}
			if tc.active == "ScalingDisabled" {
				wantCondition(t, hpa, autoscalingv2.ScalingActive, corev1.ConditionFalse, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero")
			}
		})
	}
}

func TestSyncFailures(t *testing.T) {
	t.Run("missing target", func(t *testing.T) {
		h := cpuHPA("h", 1, 5, 50, nil)
		h.Spec.ScaleTargetRef.Name = "nope"
		e := newSyncEnv(t, &fakeSource{}, 1, h)
		hpa, events := e.sync(t, "h")
		wantEvents(t, events, `Warning FailedGetScale deployments.apps "nope" not found`)
		wantCondition(t, hpa, autoscalingv2.AbleToScale, corev1.ConditionFalse, "FailedGetScale",
			`the HPA controller was unable to get the target's current scale: deployments.apps "nope" not found`)
	})
	t.Run("unknown kind", func(t *testing.T) {
		h := cpuHPA("h", 1, 5, 50, nil)
		h.Spec.ScaleTargetRef.Kind = "Widget"
		e := newSyncEnv(t, &fakeSource{}, 1, h)
		hpa, events := e.sync(t, "h")
		c := hpa.Status.Conditions[0]
		if len(events) != 1 || !strings.HasPrefix(events[0], "Warning FailedGetScale no matches for") || c.Reason != "FailedGetScale" ||
			!strings.HasPrefix(c.Message, "the HPA controller was unable to get the target's current scale: no matches for") {
			t.Errorf("events %q, condition %+v", events, c)
		}
	})
	t.Run("rescale fails", func(t *testing.T) {
		e := newSyncEnv(t, &fakeSource{}, 1, cpuHPA("h", 2, 5, 50, nil))
		e.scales.updateErr = errors.New("boom")
		hpa, events := e.sync(t, "h")
		wantEvents(t, events, "Warning FailedRescale New size: 2; reason: Current number of replicas below Spec.MinReplicas; error: boom")
		wantCondition(t, hpa, autoscalingv2.AbleToScale, corev1.ConditionFalse, "FailedUpdateScale", "the HPA controller was unable to update the target scale: boom")
	})
	t.Run("no selector", func(t *testing.T) {
		e := newSyncEnv(t, &fakeSource{}, 2, cpuHPA("h", 1, 5, 50, nil))
		e.scales.selector = ""
		hpa, events := e.sync(t, "h")
		wantEvents(t, events, "Warning SelectorRequired selector is required", "Warning FailedComputeMetricsReplicas selector is required")
		wantCondition(t, hpa, autoscalingv2.ScalingActive, corev1.ConditionFalse, "InvalidSelector", "the HPA target's scale is missing a selector")
	})
	t.Run("two HPAs on the same pods", func(t *testing.T) {
		objs := append(podObjects(ones(2), nil), cpuHPA("h1", 1, 5, 50, nil), cpuHPA("h2", 1, 5, 50, nil))
		e := newSyncEnv(t, &fakeSource{resource: samples(500, 500)}, 2, objs...)
		e.sync(t, "h1")
		hpa, _ := e.sync(t, "h2")
		c := hpa.Status.Conditions[len(hpa.Status.Conditions)-1]
		if c.Type != autoscalingv2.ScalingActive || c.Reason != "AmbiguousSelector" ||
			!strings.HasPrefix(c.Message, "pods by selector app=a are controlled by more than one HPA (e.g. [ns/h") {
			t.Errorf("condition %+v", c)
		}
	})
}
