package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/klog/v2"
)

// updateStatus computes the pod's status from the runtime and writes it
// when it changed, with a strategic-merge patch guarded by the pod's UID
// (conditions merge by type, so the scheduler's PodScheduled stays).
func (k *Kubelet) updateStatus(ctx context.Context, pod *v1.Pod, rt *podRuntime, w *podWorker) {
	if rt.ip != "" {
		w.podIP = rt.ip
	}
	st := k.podStatus(pod, rt, w)
	old := pod.Status
	if statusEqual(&old, &st) {
		return
	}
	patch := map[string]interface{}{
		"metadata": map[string]interface{}{"uid": pod.UID},
		"status":   statusPatch(&st),
	}
	body, err := json.Marshal(patch)
	if err != nil {
		return
	}
	if _, err := k.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, body, metav1.PatchOptions{}, "status"); err != nil {
		klog.FromContext(ctx).V(2).Info("Updating pod status failed", "err", err)
		w.kick()
	}
}

// statusPatch is the part of the status the kubelet owns.
func statusPatch(st *v1.PodStatus) map[string]interface{} {
	return map[string]interface{}{
		"phase":                 st.Phase,
		"conditions":            st.Conditions,
		"message":               st.Message,
		"reason":                st.Reason,
		"hostIP":                st.HostIP,
		"hostIPs":               st.HostIPs,
		"podIP":                 st.PodIP,
		"podIPs":                st.PodIPs,
		"startTime":             st.StartTime,
		"initContainerStatuses": st.InitContainerStatuses,
		"containerStatuses":     st.ContainerStatuses,
	}
}

// statusEqual ignores what the kubelet does not own.
func statusEqual(a, b *v1.PodStatus) bool {
	if a.Phase != b.Phase || a.PodIP != b.PodIP || a.HostIP != b.HostIP || a.Message != b.Message || a.Reason != b.Reason {
		return false
	}
	if !apiequality.Semantic.DeepEqual(a.ContainerStatuses, b.ContainerStatuses) ||
		!apiequality.Semantic.DeepEqual(a.InitContainerStatuses, b.InitContainerStatuses) {
		return false
	}
	for _, c := range b.Conditions {
		found := false
		for _, o := range a.Conditions {
			if o.Type == c.Type {
				found = o.Status == c.Status && o.Reason == c.Reason && o.Message == c.Message
			}
		}
		if !found {
			return false
		}
	}
	return (a.StartTime == nil) == (b.StartTime == nil)
}

// podStatus is the pod's status as upstream's kubelet would report it.
func (k *Kubelet) podStatus(pod *v1.Pod, rt *podRuntime, w *podWorker) v1.PodStatus {
	now := metav1.Now()
	st := v1.PodStatus{
		QOSClass:  pod.Status.QOSClass,
		StartTime: pod.Status.StartTime,
		PodIP:     pod.Status.PodIP,
		PodIPs:    pod.Status.PodIPs,
	}
	if st.StartTime == nil {
		st.StartTime = &now
	}
	if ip := k.opts.Address.String(); k.opts.Address != nil {
		st.HostIP, st.HostIPs = ip, []v1.HostIP{{IP: ip}}
	}
	if pod.Spec.HostNetwork {
		st.PodIP = st.HostIP
	} else if rt.ip != "" {
		st.PodIP = rt.ip
	}
	if st.PodIP != "" {
		st.PodIPs = []v1.PodIP{{IP: st.PodIP}}
	}
	initDone := true
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		cs := k.containerStatus(pod, c, rt, w, true)
		st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
		if isSidecar(c) {
			if cs.State.Running == nil || cs.Started == nil || !*cs.Started {
				initDone = false
			}
		} else if cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0 {
			initDone = false
		}
	}
	// Once initialised, a pod stays so (upstream keeps the condition).
	for _, c := range pod.Status.Conditions {
		if c.Type == v1.PodInitialized && c.Status == v1.ConditionTrue {
			initDone = true
		}
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		cs := k.containerStatus(pod, c, rt, w, initDone)
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	st.Phase = podPhase(pod, st.InitContainerStatuses, st.ContainerStatuses, initDone)
	st.Conditions = k.podConditions(pod, &st, rt, initDone)
	return st
}

// containerStatus reports one container: its state, last termination,
// readiness and restart count.
func (k *Kubelet) containerStatus(pod *v1.Pod, c *v1.Container, rt *podRuntime, w *podWorker, initDone bool) v1.ContainerStatus {
	cs := v1.ContainerStatus{Name: c.Name, Image: c.Image, Started: ptrBool(false)}
	list := rt.containers[c.Name]
	if len(list) == 0 {
		reason := "ContainerCreating"
		if !initDone {
			reason = "PodInitializing"
		}
		var msg string
		if wr, ok := w.waitingReason(c.Name); ok {
			reason, msg = wr.reason, wr.message
		}
		cs.State.Waiting = &v1.ContainerStateWaiting{Reason: reason, Message: msg}
		return cs
	}
	cur := list[0]
	cs.ContainerID = k.runtimeName() + "://" + cur.Id
	cs.ImageID = cur.ImageRef
	if cur.Image != nil && cur.Image.Image != "" && !strings.HasPrefix(cur.Image.Image, "sha256:") {
		cs.Image = cur.Image.Image
	}
	cs.RestartCount = int32(cur.Metadata.Attempt)
	switch cur.State {
	case runtimeapi.ContainerState_CONTAINER_RUNNING:
		cs.State.Running = &v1.ContainerStateRunning{StartedAt: metav1.NewTime(time.Unix(0, cur.StartedAt))}
		cs.Started = ptrBool(k.prober.Started(cur.Id))
		cs.Ready = *cs.Started && k.prober.Ready(cur.Id)
		if len(list) > 1 {
			cs.LastTerminationState.Terminated = k.terminated(list[1], c)
		}
	case runtimeapi.ContainerState_CONTAINER_EXITED:
		term := k.terminated(cur, c)
		if wr, ok := w.waitingReason(c.Name); ok && shouldRestart(pod, c, cur.ExitCode) {
			// It will run again: waiting, with this run as its last state.
			cs.State.Waiting = &v1.ContainerStateWaiting{Reason: wr.reason, Message: wr.message}
			cs.LastTerminationState.Terminated = term
		} else {
			cs.State.Terminated = term
			if len(list) > 1 {
				cs.LastTerminationState.Terminated = k.terminated(list[1], c)
			}
		}
	default:
		cs.State.Waiting = &v1.ContainerStateWaiting{Reason: "ContainerCreating"}
		if wr, ok := w.waitingReason(c.Name); ok {
			cs.State.Waiting = &v1.ContainerStateWaiting{Reason: wr.reason, Message: wr.message}
		}
	}
	return cs
}

// terminated reports an exited container, with its termination message
// (the file, or the log's tail under FallbackToLogsOnError).
func (k *Kubelet) terminated(s *runtimeapi.ContainerStatus, c *v1.Container) *v1.ContainerStateTerminated {
	reason := s.Reason
	if reason == "" {
		reason = "Completed"
		if s.ExitCode != 0 {
			reason = "Error"
		}
	}
	msg := s.Message
	if path := s.Annotations[annotationTerminationMessagePath]; path != "" {
		if b, err := readLimited(path, 4096); err == nil && len(b) > 0 {
			msg = string(b)
		}
	}
	if msg == "" && s.ExitCode != 0 && c.TerminationMessagePolicy == v1.TerminationMessageFallbackToLogsOnError {
		msg = tailLog(s.LogPath, 80, 2048)
	}
	return &v1.ContainerStateTerminated{
		ExitCode:    s.ExitCode,
		Reason:      reason,
		Message:     msg,
		StartedAt:   metav1.NewTime(time.Unix(0, s.StartedAt)),
		FinishedAt:  metav1.NewTime(time.Unix(0, s.FinishedAt)),
		ContainerID: k.runtimeName() + "://" + s.Id,
	}
}

// podPhase is upstream's getPhase, without container restart rules.
func podPhase(pod *v1.Pod, initStatuses, statuses []v1.ContainerStatus, initDone bool) v1.PodPhase {
	pendingInit, failedInit := 0, 0
	for i, c := range pod.Spec.InitContainers {
		if isSidecar(&c) {
			continue
		}
		s := initStatuses[i]
		switch {
		case s.State.Terminated != nil:
			if s.State.Terminated.ExitCode != 0 {
				failedInit++
			}
		case s.State.Waiting != nil && s.LastTerminationState.Terminated != nil:
			if s.LastTerminationState.Terminated.ExitCode != 0 {
				failedInit++
			}
		default:
			pendingInit++
		}
	}
	if failedInit > 0 && pod.Spec.RestartPolicy == v1.RestartPolicyNever {
		return v1.PodFailed
	}
	running, waiting, stopped, succeeded := 0, 0, 0, 0
	for i, c := range pod.Spec.InitContainers {
		if isSidecar(&c) && initStatuses[i].State.Running != nil {
			running++
		}
	}
	for _, s := range statuses {
		switch {
		case s.State.Running != nil:
			running++
		case s.State.Terminated != nil:
			stopped++
			if s.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case s.State.Waiting != nil && s.LastTerminationState.Terminated != nil:
			stopped++
		default:
			waiting++
		}
	}
	switch {
	case (pendingInit > 0 && !initDone) || waiting > 0:
		return v1.PodPending
	case running > 0:
		return v1.PodRunning
	case stopped > 0:
		if pod.Spec.RestartPolicy == v1.RestartPolicyAlways {
			return v1.PodRunning
		}
		if stopped == succeeded {
			return v1.PodSucceeded
		}
		if pod.Spec.RestartPolicy == v1.RestartPolicyNever {
			return v1.PodFailed
		}
		return v1.PodRunning
	}
	return v1.PodPending
}

// podConditions are upstream's kubelet-owned conditions, in its order.
func (k *Kubelet) podConditions(pod *v1.Pod, st *v1.PodStatus, rt *podRuntime, initDone bool) []v1.PodCondition {
	now := metav1.Now()
	cond := func(t v1.PodConditionType, ok bool, reason, msg string) v1.PodCondition {
		c := v1.PodCondition{Type: t, Status: v1.ConditionFalse, Reason: reason, Message: msg, LastTransitionTime: now}
		if ok {
			c.Status, c.Reason, c.Message = v1.ConditionTrue, "", ""
		}
		for _, o := range pod.Status.Conditions {
			if o.Type == t && o.Status == c.Status {
				c.LastTransitionTime = o.LastTransitionTime
			}
		}
		return c
	}
	terminal := st.Phase == v1.PodSucceeded || st.Phase == v1.PodFailed
	var unready, incomplete []string
	for i, c := range pod.Spec.InitContainers {
		s := st.InitContainerStatuses[i]
		if isSidecar(&c) {
			if !s.Ready {
				unready = append(unready, c.Name)
			}
		} else if s.State.Terminated == nil || s.State.Terminated.ExitCode != 0 {
			incomplete = append(incomplete, c.Name)
		}
	}
	for _, s := range st.ContainerStatuses {
		if !s.Ready {
			unready = append(unready, s.Name)
		}
	}
	sort.Strings(incomplete)
	containersReady := len(unready) == 0 && !terminal
	readyReason, readyMsg := "ContainersNotReady", fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " "))
	if terminal {
		readyReason, readyMsg = "PodCompleted", ""
	}
	initReason, initMsg := "ContainersNotInitialized", fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(incomplete, " "))
	if terminal && !initDone {
		initReason, initMsg = "PodCompleted", ""
	}
	sandboxReady := rt.ready != nil
	out := []v1.PodCondition{
		cond(v1.PodReadyToStartContainers, sandboxReady, "", ""),
		cond(v1.PodInitialized, initDone, initReason, initMsg),
		cond(v1.PodReady, containersReady && readinessGates(pod), readyReason, readyMsg),
		cond(v1.ContainersReady, containersReady, readyReason, readyMsg),
	}
	if containersReady && !readinessGates(pod) {
		out[2].Reason, out[2].Message = "ReadinessGatesNotReady", "the status of pod readiness gates are not ready"
	}
	for _, c := range pod.Status.Conditions {
		switch c.Type {
		case v1.PodReadyToStartContainers, v1.PodInitialized, v1.PodReady, v1.ContainersReady:
		default:
			out = append(out, c) // PodScheduled, DisruptionTarget, readiness gates...
		}
	}
	return out
}

// readinessGates says every readiness gate's condition is True.
func readinessGates(pod *v1.Pod) bool {
	for _, g := range pod.Spec.ReadinessGates {
		ok := false
		for _, c := range pod.Status.Conditions {
			if c.Type == g.ConditionType && c.Status == v1.ConditionTrue {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func ptrBool(b bool) *bool { return &b }

func readLimited(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, n)
	m, _ := f.Read(buf)
	return buf[:m], nil
}
