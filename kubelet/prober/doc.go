// Package prober runs a container's liveness, readiness and startup probes
// with the kubelet's semantics: initial delay, period, timeout and
// success/failure thresholds counted per worker, the startup probe gating
// the other two, and a failed liveness (or startup) probe holding its result
// until the container is replaced.
//
// Probe actions (exec through the runtime, HTTP GET, TCP connect, gRPC
// health check) produce the same result texts as upstream, because users see
// them verbatim in "Unhealthy" events.
package prober
