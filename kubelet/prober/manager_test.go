package prober

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// recorder collects events and onChange calls.
type recorder struct {
	mu      sync.Mutex
	events  []string
	changes int
}

func (r *recorder) record(_ *v1.Pod, eventType, reason, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, eventType+" "+reason+" "+msg)
}

func (r *recorder) changed(types.UID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes++
}

func (r *recorder) snapshot() ([]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...), r.changes
}

// newTestManager runs probe "seconds" at 10ms so thresholds are reached
// quickly; assertions poll with generous timeouts instead of timing.
func newTestManager(exec Execer) (*Manager, *recorder) {
	rec := &recorder{}
	m := NewManager(exec, rec.changed)
	m.Recorder = rec.record
	m.second = 10 * time.Millisecond
	return m, rec
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func execProbe(failureThreshold, successThreshold int32) *v1.Probe {
	return &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"check"}}},
		PeriodSeconds: 1, FailureThreshold: failureThreshold, SuccessThreshold: successThreshold}
}

func testPod(c v1.Container) *v1.Pod {
	return &v1.Pod{Spec: v1.PodSpec{Containers: []v1.Container{c}, RestartPolicy: v1.RestartPolicyAlways}}
}

func TestNoProbes(t *testing.T) {
	m, _ := newTestManager(nil)
	pod := testPod(v1.Container{Name: "app"})
	m.ContainerStarted(pod, &pod.Spec.Containers[0], "cid", "10.0.0.1")
	if !m.Ready("cid") || !m.Started("cid") {
		t.Fatal("container without probes must be ready and started")
	}
	if failed, _ := m.Liveness("cid"); failed {
		t.Fatal("liveness failed without a probe")
	}
	if !m.Ready("unknown") || !m.Started("unknown") {
		t.Fatal("unknown container should read as probe-less")
	}
}

func TestLivenessFailureThreshold(t *testing.T) {
	for _, tc := range []struct {
		name        string
		restart     v1.RestartPolicy
		wantMessage string
	}{
		{"restart always", v1.RestartPolicyAlways, "Container app failed liveness probe, will be restarted"},
		{"restart never", v1.RestartPolicyNever, "Container app failed liveness probe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fe := &fakeExec{script: []execReply{{out: "ok"}, {out: "boom", code: 1}}}
			m, rec := newTestManager(fe)
			probe := execProbe(3, 1)
			probe.TerminationGracePeriodSeconds = ptr(int64(5))
			pod := testPod(v1.Container{Name: "app", LivenessProbe: probe})
			pod.Spec.RestartPolicy = tc.restart
			m.ContainerStarted(pod, &pod.Spec.Containers[0], "cid", "10.0.0.1")
			defer m.ContainerStopped("cid")

			eventually(t, "liveness failure", func() bool { f, _ := m.Liveness("cid"); return f })
			// One success, then exactly failureThreshold failures; after that
			// the result is held and probing stops.
			if n := fe.count(); n != 4 {
				t.Errorf("exec calls at failure = %d, want 4", n)
			}
			_, msg := m.Liveness("cid")
			if msg != tc.wantMessage {
				t.Errorf("message %q, want %q", msg, tc.wantMessage)
			}
			if r := m.LivenessResult("cid"); r.Probe != "liveness" || r.TerminationGracePeriodSeconds == nil || *r.TerminationGracePeriodSeconds != 5 {
				t.Errorf("result %+v", r)
			}
			time.Sleep(100 * time.Millisecond) // ten periods
			if n := fe.count(); n != 4 {
				t.Errorf("probing continued while held: %d calls", n)
			}
			events, _ := rec.snapshot()
			if len(events) != 3 || events[0] != "Warning Unhealthy Liveness probe failed: boom" {
				t.Errorf("events %q", events)
			}
			if !m.Ready("cid") {
				t.Error("no readiness probe: ready")
			}
		})
	}
}

func TestReadiness(t *testing.T) {
	var status atomic.Int32
	status.Store(200)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(int(status.Load())) }))
	defer srv.Close()
	host, port := hostPort(t, srv.Listener.Addr().String())

	m, rec := newTestManager(nil)
	pod := testPod(v1.Container{Name: "app", ReadinessProbe: &v1.Probe{
		ProbeHandler:  v1.ProbeHandler{HTTPGet: &v1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(int32(port))}},
		PeriodSeconds: 1, SuccessThreshold: 2, FailureThreshold: 2, TimeoutSeconds: 100,
	}})
	if m.Ready("cid") != true {
		t.Fatal("unregistered")
	}
	m.ContainerStarted(pod, &pod.Spec.Containers[0], "cid", host)
	defer m.ContainerStopped("cid")
	if m.Ready("cid") {
		t.Fatal("ready before the first probe")
	}
	eventually(t, "ready", func() bool { return m.Ready("cid") })
	if _, changes := rec.snapshot(); changes != 1 {
		t.Errorf("onChange calls %d, want 1", changes)
	}

	status.Store(500)
	eventually(t, "unready", func() bool { return !m.Ready("cid") })
	events, changes := rec.snapshot()
	if changes != 2 {
		t.Errorf("onChange calls %d, want 2", changes)
	}
	if len(events) < 2 || events[0] != "Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500" {
		t.Errorf("events %q", events)
	}
	// Readiness failures never ask for a restart.
	if failed, _ := m.Liveness("cid"); failed {
		t.Error("readiness failure reported as liveness failure")
	}

	status.Store(200)
	eventually(t, "ready again", func() bool { return m.Ready("cid") })
}

func TestStartupGatesOthers(t *testing.T) {
	startupExec := &fakeExec{script: []execReply{{code: 1}, {code: 1}, {out: "up"}}}
	// One Execer serves all probes; route by command.
	var livenessCalls, readinessCalls atomic.Int32
	exec := execFunc(func(cmd []string) execReply {
		switch cmd[0] {
		case "startup":
			startupExec.mu.Lock()
			startupExec.calls = append(startupExec.calls, cmd)
			n := len(startupExec.calls)
			startupExec.mu.Unlock()
			return startupExec.script[min(n, 3)-1]
		case "live":
			livenessCalls.Add(1)
		case "ready":
			readinessCalls.Add(1)
		}
		return execReply{}
	})
	m, rec := newTestManager(exec)
	mk := func(cmd string, ft int32) *v1.Probe {
		p := execProbe(ft, 1)
		p.Exec.Command = []string{cmd}
		return p
	}
	pod := testPod(v1.Container{Name: "app", StartupProbe: mk("startup", 5), LivenessProbe: mk("live", 1), ReadinessProbe: mk("ready", 1)})
	m.ContainerStarted(pod, &pod.Spec.Containers[0], "cid", "")
	defer m.ContainerStopped("cid")
	if m.Started("cid") || m.Ready("cid") {
		t.Fatal("started/ready before startup probe succeeded")
	}
	eventually(t, "started", func() bool { return m.Started("cid") })
	if startupExec.count() != 3 {
		t.Errorf("startup calls %d, want 3", startupExec.count())
	}
	eventually(t, "ready", func() bool { return m.Ready("cid") })
	eventually(t, "liveness probing", func() bool { return livenessCalls.Load() > 0 })
	time.Sleep(50 * time.Millisecond)
	if startupExec.count() != 3 {
		t.Errorf("startup probe kept running after success: %d", startupExec.count())
	}
	events, changes := rec.snapshot()
	if changes != 2 { // started, then ready
		t.Errorf("onChange %d, want 2", changes)
	}
	if len(events) != 2 || events[0] != "Warning Unhealthy Startup probe failed: " {
		t.Errorf("events %q", events)
	}
}

func TestStartupFailureKills(t *testing.T) {
	fe := &fakeExec{script: []execReply{{code: 1}}}
	m, _ := newTestManager(fe)
	probe := execProbe(2, 1)
	pod := testPod(v1.Container{Name: "app", StartupProbe: probe, LivenessProbe: execProbe(1, 1)})
	m.ContainerStarted(pod, &pod.Spec.Containers[0], "cid", "")
	defer m.ContainerStopped("cid")
	eventually(t, "startup failure", func() bool { f, _ := m.Liveness("cid"); return f })
	r := m.LivenessResult("cid")
	if r.Probe != "startup" || r.Message != "Container app failed startup probe, will be restarted" {
		t.Errorf("result %+v", r)
	}
	if m.Started("cid") {
		t.Error("started after startup failure")
	}
	if n := fe.count(); n != 2 {
		t.Errorf("calls %d, want 2 (liveness must not run before startup)", n)
	}
}

func TestInitialDelayAndStop(t *testing.T) {
	fe := &fakeExec{script: []execReply{{}}}
	m, _ := newTestManager(fe)
	delayed := execProbe(1, 1)
	delayed.InitialDelaySeconds = 100000
	pod := testPod(v1.Container{Name: "app", LivenessProbe: delayed})
	m.ContainerStarted(pod, &pod.Spec.Containers[0], "delayed", "")
	time.Sleep(50 * time.Millisecond)
	if fe.count() != 0 {
		t.Fatalf("probed during initial delay: %d", fe.count())
	}
	m.ContainerStopped("delayed")

	pod2 := testPod(v1.Container{Name: "app", ReadinessProbe: execProbe(1, 1)})
	pod2.UID = "p2"
	m.ContainerStarted(pod2, &pod2.Spec.Containers[0], "c2", "")
	eventually(t, "probing", func() bool { return fe.count() > 2 })
	m.RemovePod("p2")
	time.Sleep(30 * time.Millisecond) // let an in-flight probe finish
	n := fe.count()
	time.Sleep(100 * time.Millisecond)
	if fe.count() != n {
		t.Errorf("probing continued after RemovePod: %d -> %d", n, fe.count())
	}
	if !m.Ready("c2") {
		t.Error("removed container should read as probe-less")
	}
}

func TestProbeErrorEvent(t *testing.T) {
	fe := &fakeExec{script: []execReply{{err: errErrored}}}
	m, rec := newTestManager(fe)
	pod := testPod(v1.Container{Name: "app", ReadinessProbe: execProbe(1, 1)})
	m.ContainerStarted(pod, &pod.Spec.Containers[0], "cid", "")
	defer m.ContainerStopped("cid")
	eventually(t, "event", func() bool { e, _ := rec.snapshot(); return len(e) > 0 })
	events, _ := rec.snapshot()
	if events[0] != "Warning Unhealthy Readiness probe errored and resulted in unknown state: rpc error: container is not running" {
		t.Errorf("event %q", events[0])
	}
	if fe.count() < maxRetries {
		t.Errorf("errors should be retried %d times, got %d calls", maxRetries, fe.count())
	}
	if m.Ready("cid") {
		t.Error("ready after errors")
	}
}

var errErrored = errorString("rpc error: container is not running")

type errorString string

func (e errorString) Error() string { return string(e) }

type execFunc func(cmd []string) execReply

func (f execFunc) ExecSync(_ context.Context, _ string, cmd []string, _ time.Duration) ([]byte, []byte, int32, error) {
	r := f(cmd)
	return []byte(r.out), nil, r.code, r.err
}

func ptr[T any](v T) *T { return &v }
