package prober

import (
	"context"
	"fmt"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
)

type probeKind string

const (
	liveness  probeKind = "liveness"
	readiness probeKind = "readiness"
	startup   probeKind = "startup"
)

func (k probeKind) spec(c *v1.Container) *v1.Probe {
	switch k {
	case liveness:
		return c.LivenessProbe
	case readiness:
		return c.ReadinessProbe
	}
	return c.StartupProbe
}

// title is how events spell the probe: "Liveness probe failed: ...".
func (k probeKind) title() string { return strings.ToUpper(string(k[:1])) + string(k[1:]) }

// maxRetries is how often a probe that errors (as opposed to failing) is
// retried within one period before the period counts as a failure.
const maxRetries = 3

// withDefaults fills in API defaults for hand-built pods; pods from the API
// server already carry them.
func withDefaults(p *v1.Probe) *v1.Probe {
	p = p.DeepCopy()
	if p.PeriodSeconds <= 0 {
		p.PeriodSeconds = 10
	}
	if p.TimeoutSeconds <= 0 {
		p.TimeoutSeconds = 1
	}
	if p.SuccessThreshold <= 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold <= 0 {
		p.FailureThreshold = 3
	}
	return p
}

// worker runs one probe of one container until the container stops.
type worker struct {
	m     *Manager
	st    *containerState
	kind  probeKind
	probe *v1.Probe

	lastResult result
	resultRun  int
	// onHold stops probing once liveness failed or startup decided: the
	// result stands until the container is replaced.
	onHold bool
}

func (w *worker) run(ctx context.Context) {
	period := time.Duration(w.probe.PeriodSeconds) * w.m.second
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	for {
		w.doProbe(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func (w *worker) doProbe(ctx context.Context) {
	if w.onHold || ctx.Err() != nil {
		return
	}
	delay := time.Duration(w.probe.InitialDelaySeconds) * w.m.second
	if time.Since(w.st.startedAt) < delay {
		return
	}
	// The startup probe runs alone until it succeeds; afterwards only the
	// others run.
	if started := w.m.isStarted(w.st); started == (w.kind == startup) {
		return
	}

	r, err := w.attempt(ctx)
	if ctx.Err() != nil {
		return // stopped mid-probe; the result means nothing now
	}
	if err != nil {
		w.event(v1.EventTypeWarning, "Unhealthy", fmt.Sprintf("%s probe errored and resulted in %s state: %s", w.kind.title(), r, err))
		r = failure
	}

	if r == w.lastResult {
		w.resultRun++
	} else {
		w.lastResult, w.resultRun = r, 1
	}
	if (r == failure && w.resultRun < int(w.probe.FailureThreshold)) ||
		(r == success && w.resultRun < int(w.probe.SuccessThreshold)) {
		return
	}
	w.m.setResult(w, r)
	if (w.kind == liveness && r == failure) || w.kind == startup {
		w.onHold = true
		w.resultRun = 0
	}
}

// attempt runs the probe, retrying errors, and maps the outcome to success
// or failure, emitting upstream's events on the way.
func (w *worker) attempt(ctx context.Context) (result, error) {
	var (
		r   result
		out string
		err error
	)
	for i := 0; i < maxRetries; i++ {
		if r, out, err = w.m.runProbe(ctx, w.probe, w.st.target); err == nil {
			break
		}
	}
	if err != nil {
		return r, err
	}
	switch r {
	case success:
		return success, nil
	case warning:
		w.event(v1.EventTypeWarning, "ProbeWarning", fmt.Sprintf("%s probe warning: %s", w.kind.title(), out))
		return success, nil
	case failure:
		w.event(v1.EventTypeWarning, "Unhealthy", fmt.Sprintf("%s probe failed: %s", w.kind.title(), out))
	}
	return failure, nil
}

func (w *worker) event(eventType, reason, msg string) {
	w.m.record(w.st.pod, eventType, reason, msg)
}
