package podautoscaler

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func ones(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = 1000
	}
	return out
}

func TestResourceReplicas(t *testing.T) {
	tol := tolerances{0.1, 0.1}
	cases := []struct {
		name      string
		requests  []int64 // cpu of pods p0...
		opts      map[int][]podOpt
		metrics   podMetrics
		err       error
		current   int32
		target    int32
		container string
		tol       *tolerances
		want      int32
		wantUtil  int32
		wantRaw   int64
		wantErr   string
	}{
		{name: "scale up", requests: ones(3), metrics: samples(300, 500, 700), current: 3, target: 30, want: 5, wantUtil: 50, wantRaw: 500},
		{name: "scale down", requests: ones(5), metrics: samples(100, 300, 500, 250, 250), current: 5, target: 50, want: 3, wantUtil: 28, wantRaw: 280},
		{name: "within tolerance", requests: []int64{900, 1000, 1100}, metrics: samples(1010, 1030, 1020), current: 3, target: 100, want: 3, wantUtil: 102, wantRaw: 1020},
		{name: "just outside tolerance", requests: ones(2), metrics: samples(1120, 1120), current: 2, target: 100, want: 3, wantUtil: 112, wantRaw: 1120},
		{name: "behavior tolerance keeps it", requests: ones(2), metrics: samples(1120, 1120), current: 2, target: 100,
			tol: &tolerances{0.1, 0.2}, want: 2, wantUtil: 112, wantRaw: 1120},
		{name: "unready pods count as idle on scale up", requests: ones(3), opts: map[int][]podOpt{0: {unready}},
			metrics: samples(300, 500, 700), current: 3, target: 30, want: 4, wantUtil: 60, wantRaw: 600},
		{name: "unready pods ignored on scale down", requests: ones(5), opts: map[int][]podOpt{3: {unready}, 4: {unready}},
			metrics: samples(100, 300, 500, 250, 250), current: 5, target: 50, want: 2, wantUtil: 30, wantRaw: 300},
		{name: "pending pods count as idle on scale up", requests: ones(3), opts: map[int][]podOpt{2: {pending}},
			metrics: samples(900, 900), current: 3, target: 50, want: 4, wantUtil: 90, wantRaw: 900},
		{name: "young pod ready for less than a window is unready", requests: ones(2), opts: map[int][]podOpt{1: {youngReadySince(10 * time.Second)}},
			metrics: samples(100, 1000), current: 2, target: 50, want: 1, wantUtil: 10, wantRaw: 100},
		{name: "young pod ready for a window counts", requests: ones(2), opts: map[int][]podOpt{1: {youngReadySince(40 * time.Second)}},
			metrics: samples(100, 1000), current: 2, target: 50, want: 2, wantUtil: 55, wantRaw: 550},
		{name: "deleted and failed pods ignored", requests: ones(4), opts: map[int][]podOpt{2: {deleting}, 3: {failed}},
			metrics: samples(800, 800, 10, 10), current: 4, target: 40, want: 4, wantUtil: 80, wantRaw: 800},
		{name: "missing metrics use the request on scale down", requests: ones(4), metrics: samples(100, 100, 100),
			current: 4, target: 50, want: 3, wantUtil: 10, wantRaw: 100},
		{name: "missing metrics use the target above 100% on scale down", requests: ones(2), metrics: samples(100),
			current: 2, target: 150, want: 2, wantUtil: 10, wantRaw: 100},
		{name: "missing metrics count as idle on scale up", requests: ones(4), metrics: samples(900, 900, 900),
			current: 4, target: 50, want: 6, wantUtil: 90, wantRaw: 900},
		{name: "missing metrics that reverse the direction keep the count", requests: ones(2), metrics: samples(1200),
			current: 2, target: 100, want: 2, wantUtil: 120, wantRaw: 1200},
		{name: "sidecar requests count", requests: []int64{500, 500}, opts: map[int][]podOpt{0: {sidecar(500)}, 1: {sidecar(500)}},
			metrics: samples(1000, 1000), current: 2, target: 50, want: 4, wantUtil: 100, wantRaw: 1000},
		{name: "container request only", requests: []int64{500, 500}, opts: map[int][]podOpt{0: {sidecar(500)}, 1: {sidecar(500)}},
			container: "c", metrics: samples(250, 250), current: 2, target: 50, want: 2, wantUtil: 50, wantRaw: 250},
		{name: "metrics API absent", requests: ones(1), err: errNoAPI, current: 1, target: 50,
			wantErr: "unable to get metrics for resource cpu: the server could not find the requested resource (get pods.metrics.k8s.io)"},
		{name: "no pods", requests: nil, metrics: samples(100), current: 1, target: 50,
			wantErr: "no pods returned by selector while calculating replica count"},
		{name: "only unready pods", requests: ones(2), opts: map[int][]podOpt{0: {unready}, 1: {unready}},
			metrics: samples(100, 100), current: 2, target: 50, wantErr: "did not receive metrics for targeted pods (pods might be unready)"},
		{name: "missing request", requests: ones(2), opts: map[int][]podOpt{1: {func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Requests = nil }}},
			metrics: samples(100, 100), current: 2, target: 50, wantErr: "missing request for cpu in container c of Pod p1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCalc(&fakeSource{resource: tc.metrics, err: tc.err}, pods(tc.requests, tc.opts))
			tl := tol
			if tc.tol != nil {
				tl = *tc.tol
			}
			n, util, raw, _, err := c.resourceReplicas(context.Background(), tc.current, tc.target, corev1.ResourceCPU, tl, "ns", labels.Everything(), tc.container)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.want || util != tc.wantUtil || raw != tc.wantRaw {
				t.Errorf("got %d replicas at %d%% (%dm), want %d at %d%% (%dm)", n, util, raw, tc.want, tc.wantUtil, tc.wantRaw)
			}
		})
	}
}

func TestPlainReplicas(t *testing.T) {
	tol := tolerances{0.1, 0.1}
	cases := []struct {
		name      string
		n         int
		opts      map[int][]podOpt
		metrics   podMetrics
		current   int32
		target    int64
		resource  corev1.ResourceName
		want      int32
		wantUsage int64
	}{
		{name: "average value scale up", n: 3, metrics: samples(300, 500, 700), current: 3, target: 250, resource: corev1.ResourceCPU, want: 6, wantUsage: 500},
		{name: "average value scale down", n: 4, metrics: samples(100, 100, 100, 100), current: 4, target: 200, resource: corev1.ResourceCPU, want: 2, wantUsage: 100},
		{name: "within tolerance", n: 2, metrics: samples(105, 95), current: 2, target: 100, want: 2, wantUsage: 100},
		{name: "missing pods use the target on scale down", n: 4, metrics: samples(50, 50), current: 4, target: 100, want: 3, wantUsage: 50},
		{name: "missing pods count as zero on scale up", n: 2, metrics: samples(400), current: 2, target: 100, want: 4, wantUsage: 400},
		{name: "unready pods matter only for cpu", n: 2, opts: map[int][]podOpt{1: {unready}}, metrics: samples(300, 300),
			current: 2, target: 100, resource: corev1.ResourceMemory, want: 6, wantUsage: 300},
		{name: "unready cpu pods count as idle on scale up", n: 2, opts: map[int][]podOpt{1: {unready}}, metrics: samples(300, 300),
			current: 2, target: 100, resource: corev1.ResourceCPU, want: 3, wantUsage: 300},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCalc(&fakeSource{resource: tc.metrics, pods: tc.metrics}, pods(ones(tc.n), tc.opts))
			var n int32
			var usage int64
			var err error
			if tc.resource != "" {
				n, usage, _, err = c.rawResourceReplicas(context.Background(), tc.current, tc.target, tc.resource, tol, "ns", labels.Everything(), "")
			} else {
				n, usage, _, err = c.podsMetricReplicas(context.Background(), tc.current, tc.target, "qps", tol, "ns", labels.Everything(), labels.Everything())
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.want || usage != tc.wantUsage {
				t.Errorf("got %d replicas at %d, want %d at %d", n, usage, tc.want, tc.wantUsage)
			}
		})
	}
}

func TestObjectAndExternalReplicas(t *testing.T) {
	tol := tolerances{0.1, 0.1}
	ctx := context.Background()
	// 4 pods of which 3 are ready
	ps := pods(ones(4), map[int][]podOpt{3: {unready}})

	c := newCalc(&fakeSource{object: 2000}, ps)
	if n, usage, _, err := c.objectReplicas(ctx, 4, 1000, "m", tol, "ns", nil, labels.Everything(), labels.Everything()); err != nil || n != 6 || usage != 2000 {
		t.Errorf("object value: %d %d %v, want 6 (2 x 3 ready pods) 2000", n, usage, err)
	}
	if n, _, _, err := c.objectReplicas(ctx, 0, 1000, "m", tol, "ns", nil, labels.Everything(), labels.Everything()); err != nil || n != 2 {
		t.Errorf("object value from zero: %d %v, want 2", n, err)
	}
	if n, usage, _, err := c.objectPerPodReplicas(ctx, 4, 250, "m", tol, "ns", nil, labels.Everything()); err != nil || n != 8 || usage != 500 {
		t.Errorf("object average: %d %d %v, want 8 500", n, usage, err)
	}

	c = newCalc(&fakeSource{external: []int64{3000, 1000}}, ps)
	if n, usage, _, err := c.externalReplicas(ctx, 4, 2000, "q", tol, "ns", nil, labels.Everything()); err != nil || n != 6 || usage != 4000 {
		t.Errorf("external value: %d %d %v, want 6 4000", n, usage, err)
	}
	if n, usage, _, err := c.externalPerPodReplicas(ctx, 4, 1050, "q", tol, "ns", nil); err != nil || n != 4 || usage != 1000 {
		t.Errorf("external average within tolerance: %d %d %v, want 4 1000", n, usage, err)
	}

	c = newCalc(&fakeSource{err: errNoAPI}, ps)
	_, _, _, err := c.externalReplicas(ctx, 4, 2000, "q", tol, "ns", nil, labels.Everything())
	if err == nil || !strings.HasPrefix(err.Error(), "unable to get external metric ns/q/") {
		t.Errorf("external error %v", err)
	}
}
