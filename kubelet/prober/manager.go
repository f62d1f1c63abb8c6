package prober

import (
	"context"
	"fmt"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Manager owns the probe workers of all running containers on the node.
type Manager struct {
	// Recorder, when set, receives the events upstream emits for probes:
	// reason "Unhealthy" for failures and errors, "ProbeWarning" for
	// successes with a warning (redirect to another host).
	Recorder func(pod *v1.Pod, eventType, reason, message string)

	exec     Execer
	onChange func(podUID types.UID)
	// second is the length of one probe "second"; tests shrink it.
	second time.Duration

	mu         sync.Mutex
	containers map[string]*containerState // by container ID
}

// LivenessResult tells the kubelet whether to kill a container.
type LivenessResult struct {
	Failed bool
	// Probe is "liveness" or "startup": which probe gave up.
	Probe string
	// Message is upstream's kill message, e.g. "Container app failed
	// liveness probe, will be restarted".
	Message string
	// TerminationGracePeriodSeconds is the failing probe's override of the
	// pod's grace period, if it sets one.
	TerminationGracePeriodSeconds *int64
}

// containerState is the probe state of one container instance. A restarted
// container has a new ID and so starts from scratch, like upstream.
type containerState struct {
	pod       *v1.Pod
	container *v1.Container
	target    target
	startedAt time.Time
	cancel    context.CancelFunc

	hasReadiness, hasStartup bool
	ready, started           bool
	liveness                 LivenessResult
}

// NewManager returns a manager that runs exec probes through exec and calls
// onChange whenever a container's readiness or started state changes, so
// the kubelet can update the pod status promptly.
func NewManager(exec Execer, onChange func(podUID types.UID)) *Manager {
	return &Manager{exec: exec, onChange: onChange, second: time.Second, containers: map[string]*containerState{}}
}

// ContainerStarted starts the container's probe workers. Call it once the
// runtime reports the container running; the initial delay counts from now.
func (m *Manager) ContainerStarted(pod *v1.Pod, c *v1.Container, containerID string, podIP string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.containers[containerID]; ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	st := &containerState{
		pod:          pod,
		container:    c,
		target:       target{container: c, containerID: containerID, podIP: podIP},
		startedAt:    time.Now(),
		cancel:       cancel,
		hasReadiness: c.ReadinessProbe != nil,
		hasStartup:   c.StartupProbe != nil,
	}
	st.started = !st.hasStartup
	m.containers[containerID] = st
	for _, kind := range []probeKind{startup, readiness, liveness} {
		if p := kind.spec(c); p != nil {
			w := &worker{m: m, st: st, kind: kind, probe: withDefaults(p)}
			go w.run(ctx)
		}
	}
}

// ContainerStopped stops the container's workers and forgets its state.
func (m *Manager) ContainerStopped(containerID string) {
	m.mu.Lock()
	st := m.containers[containerID]
	delete(m.containers, containerID)
	m.mu.Unlock()
	if st != nil {
		st.cancel()
	}
}

// RemovePod stops every worker of the pod.
func (m *Manager) RemovePod(podUID types.UID) {
	m.mu.Lock()
	var stopped []*containerState
	for id, st := range m.containers {
		if st.pod.UID == podUID {
			stopped = append(stopped, st)
			delete(m.containers, id)
		}
	}
	m.mu.Unlock()
	for _, st := range stopped {
		st.cancel()
	}
}

// Ready reports readiness: true without a readiness probe, false until the
// startup probe (if any) and then the readiness probe succeed. Unknown
// containers have no probes and are ready.
func (m *Manager) Ready(containerID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.containers[containerID]
	if !ok {
		return true
	}
	return st.started && (!st.hasReadiness || st.ready)
}

// Started reports whether the startup probe (if any) has succeeded.
func (m *Manager) Started(containerID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.containers[containerID]
	return !ok || st.started
}

// Liveness reports whether the liveness or startup probe failed its
// threshold, meaning the kubelet should kill (and usually restart) the
// container, with the message for the Killing event.
func (m *Manager) Liveness(containerID string) (failed bool, message string) {
	r := m.LivenessResult(containerID)
	return r.Failed, r.Message
}

// LivenessResult is Liveness with the probe's grace period override.
func (m *Manager) LivenessResult(containerID string) LivenessResult {
	m.mu.Lock()
	defer m.mu.Unlock()
	if st, ok := m.containers[containerID]; ok {
		return st.liveness
	}
	return LivenessResult{}
}

func (m *Manager) record(pod *v1.Pod, eventType, reason, message string) {
	if m.Recorder != nil {
		m.Recorder(pod, eventType, reason, message)
	}
}

// setResult applies a result that crossed its threshold and tells the
// kubelet when readiness or started changed.
func (m *Manager) setResult(w *worker, r result) {
	m.mu.Lock()
	st := w.st
	if m.containers[st.target.containerID] != st {
		m.mu.Unlock()
		return // stopped meanwhile
	}
	changed := false
	switch w.kind {
	case readiness:
		ready := r == success
		changed = st.ready != ready
		st.ready = ready
	case startup:
		if r == success {
			changed = !st.started
			st.started = true
		} else {
			st.liveness = killResult(st, startup, w.probe)
			changed = true // the kubelet kills it
		}
	case liveness:
		if r != success {
			st.liveness = killResult(st, liveness, w.probe)
			changed = true
		}
	}
	uid := st.pod.UID
	m.mu.Unlock()
	if changed && m.onChange != nil {
		m.onChange(uid)
	}
}

func killResult(st *containerState, kind probeKind, p *v1.Probe) LivenessResult {
	msg := fmt.Sprintf("Container %s failed %s probe", st.container.Name, kind)
	if willRestart(st.pod, st.container) {
		msg += ", will be restarted"
	}
	return LivenessResult{Failed: true, Probe: string(kind), Message: msg, TerminationGracePeriodSeconds: p.TerminationGracePeriodSeconds}
}

// willRestart follows the kubelet: the container's own restart policy (for
// sidecars and per-container rules) wins over the pod's.
func willRestart(pod *v1.Pod, c *v1.Container) bool {
	if c.RestartPolicy != nil {
		return *c.RestartPolicy != v1.ContainerRestartPolicyNever
	}
	return pod.Spec.RestartPolicy != v1.RestartPolicyNever
}

func (m *Manager) isStarted(st *containerState) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return st.started
}
