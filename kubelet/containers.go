package kubelet

import (
	"context"
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// syncContainers starts what should run next: the first unfinished init
// container, sidecars, then every app container that is not running and
// may (re)start. It kills containers whose liveness probe failed. acted
// says the runtime changed; again asks for a later sync when a back-off
// holds a container.
func (k *Kubelet) syncContainers(ctx context.Context, pod *v1.Pod, rt *podRuntime, w *podWorker) (again time.Duration, acted bool) {
	var waits []time.Duration
	wait := func(d time.Duration) {
		if d > 0 {
			waits = append(waits, d)
		}
	}
	defer func() {
		for _, d := range waits {
			if again == 0 || d < again {
				again = d
			}
		}
	}()
	// Containers found running (adopted after a kubelet restart) get
	// their probes back; for the others this is a no-op.
	for _, st := range rt.running() {
		if c := specContainer(pod, st.Metadata.Name); c != nil && st.State == runtimeapi.ContainerState_CONTAINER_RUNNING {
			k.prober.ContainerStarted(pod, c, st.Id, rt.ip)
		}
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		st := rt.current(c.Name)
		if k.killIfUnhealthy(ctx, pod, c, st) {
			return 0, true
		}
		running := st != nil && (st.State == runtimeapi.ContainerState_CONTAINER_RUNNING)
		if isSidecar(c) {
			if !running {
				d, a := k.startOrBackOff(ctx, pod, c, fieldPathInit(c, i), rt, w, st)
				wait(d)
				if a {
					acted = true
				}
				return again, acted
			}
			if !k.prober.Started(st.Id) {
				return 0, acted // its startup probe gates the next containers
			}
			continue
		}
		switch {
		case running || (st != nil && st.State == runtimeapi.ContainerState_CONTAINER_CREATED):
			return 0, acted
		case st != nil && st.State == runtimeapi.ContainerState_CONTAINER_EXITED && st.ExitCode == 0:
			continue
		case st != nil && st.State == runtimeapi.ContainerState_CONTAINER_EXITED && !shouldRestart(pod, c, st.ExitCode):
			return 0, acted // the pod has failed
		default:
			d, a := k.startOrBackOff(ctx, pod, c, fieldPathInit(c, i), rt, w, st)
			wait(d)
			return again, acted || a
		}
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		st := rt.current(c.Name)
		if k.killIfUnhealthy(ctx, pod, c, st) {
			acted = true
			continue
		}
		if st != nil && st.State != runtimeapi.ContainerState_CONTAINER_EXITED {
			continue
		}
		if st != nil && !shouldRestart(pod, c, st.ExitCode) {
			continue
		}
		d, a := k.startOrBackOff(ctx, pod, c, fmt.Sprintf("spec.containers{%s}", c.Name), rt, w, st)
		wait(d)
		acted = acted || a
	}
	if allAppContainersDone(pod, rt) {
		// Sidecars stop once the app containers have finished for good.
		for i := range pod.Spec.InitContainers {
			c := &pod.Spec.InitContainers[i]
			if st := rt.current(c.Name); isSidecar(c) && st != nil && st.State == runtimeapi.ContainerState_CONTAINER_RUNNING {
				k.killContainer(ctx, pod, c, st, gracePeriod(pod), fmt.Sprintf("Stopping container %s", c.Name))
				acted = true
			}
		}
	}
	return again, acted
}

func allAppContainersDone(pod *v1.Pod, rt *podRuntime) bool {
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		st := rt.current(c.Name)
		if st == nil || st.State != runtimeapi.ContainerState_CONTAINER_EXITED || shouldRestart(pod, c, st.ExitCode) {
			return false
		}
	}
	return true
}

func fieldPathInit(c *v1.Container, _ int) string {
	return fmt.Sprintf("spec.initContainers{%s}", c.Name)
}

// killIfUnhealthy kills a running container whose liveness (or startup)
// probe has failed; the restartPolicy then decides its restart.
func (k *Kubelet) killIfUnhealthy(ctx context.Context, pod *v1.Pod, c *v1.Container, st *runtimeapi.ContainerStatus) bool {
	if st == nil || st.State != runtimeapi.ContainerState_CONTAINER_RUNNING {
		return false
	}
	failed, msg := k.prober.Liveness(st.Id)
	if !failed {
		return false
	}
	grace := gracePeriod(pod)
	probe := c.LivenessProbe
	if !k.prober.Started(st.Id) && c.StartupProbe != nil {
		probe = c.StartupProbe
	}
	if probe != nil && probe.TerminationGracePeriodSeconds != nil {
		grace = *probe.TerminationGracePeriodSeconds
	}
	if msg == "" {
		msg = fmt.Sprintf("Container %s failed liveness probe, will be restarted", c.Name)
	}
	k.killContainer(ctx, pod, c, st, grace, msg)
	return true
}

// startOrBackOff (re)starts a container unless its crash-loop back-off
// still holds it, in which case it reports CrashLoopBackOff and how long
// is left.
func (k *Kubelet) startOrBackOff(ctx context.Context, pod *v1.Pod, c *v1.Container, fieldPath string, rt *podRuntime, w *podWorker, st *runtimeapi.ContainerStatus) (time.Duration, bool) {
	attempt := rt.nextAttempt(c.Name)
	if st != nil {
		if st.State == runtimeapi.ContainerState_CONTAINER_CREATED {
			// Created but never started (we stopped half-way): replace it.
			_ = k.runtime.RemoveContainer(ctx, st.Id)
			attempt = st.Metadata.Attempt
		}
	}
	if st != nil && st.State == runtimeapi.ContainerState_CONTAINER_EXITED {
		key := backoffKey(pod, c)
		finished := time.Unix(0, st.FinishedAt)
		if k.backoff.IsInBackOffSince(key, finished) {
			d := k.backoff.Get(key)
			w.setWaiting(c.Name, waitReason{"CrashLoopBackOff", fmt.Sprintf("back-off %s restarting failed container=%s pod=%s", d, c.Name, formatPod(pod))})
			k.recorder.Eventf(containerRef(pod, fieldPath), v1.EventTypeWarning, "BackOff", "Back-off restarting failed container %s in pod %s", c.Name, formatPod(pod))
			return time.Until(finished.Add(d)) + 10*time.Millisecond, false
		}
		k.backoff.Next(key, finished)
	}
	return k.startContainer(ctx, pod, c, fieldPath, rt, w, attempt), true
}

func backoffKey(pod *v1.Pod, c *v1.Container) string {
	return string(pod.UID) + "/" + c.Name
}
