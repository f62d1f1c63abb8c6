package sim

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func (s *Sim) work(ctx context.Context) {
	for {
		key, quit := s.queue.Get()
		if quit {
			return
		}
		requeue, after, err := s.sync(ctx, key)
		switch {
		case err != nil && ctx.Err() == nil:
			s.queue.AddRateLimited(key)
		case requeue:
			s.queue.Forget(key)
			s.queue.AddAfter(key, after)
		default:
			s.queue.Forget(key)
		}
		s.queue.Done(key)
	}
}

// sync does what a kubelet would do next for one pod: start it, finish
// its deletion, or complete it. It asks to be called again after a delay
// when the pod is due to complete later.
func (s *Sim) sync(ctx context.Context, key string) (bool, time.Duration, error) {
	obj, ok, err := s.pods.GetByKey(key)
	if err != nil || !ok {
		return false, 0, err
	}
	pod := obj.(*corev1.Pod)
	n := s.nodes[pod.Spec.NodeName]
	if n == nil {
		return false, 0, nil
	}
	pods := s.client.CoreV1().Pods(pod.Namespace)
	if pod.DeletionTimestamp != nil {
		// The containers "stop" at once; the kubelet then removes the pod
		// with grace 0, which is what ends a graceful delete.
		zero := int64(0)
		err := pods.Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &pod.UID}})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return false, 0, nil
		}
		return false, 0, err
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return false, 0, nil
	case corev1.PodRunning:
		if !isReady(pod) {
			break
		}
		due, ok := completeAt(pod)
		if !ok {
			return false, 0, nil
		}
		if wait := time.Until(due); wait > 0 {
			return true, wait, nil
		}
		return false, 0, s.updateStatus(ctx, succeeded(pod))
	}
	return false, 0, s.updateStatus(ctx, running(pod, n))
}

func (s *Sim) updateStatus(ctx context.Context, p *corev1.Pod) error {
	_, err := s.client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	// A conflict means the informer brings a newer pod; retrying with
	// backoff covers the case where that event came before this write.
	return err
}

// completeAt is when a run-to-completion pod annotated with
// AnnotationCompleteAfter should succeed.
func completeAt(p *corev1.Pod) (time.Time, bool) {
	if p.Spec.RestartPolicy == corev1.RestartPolicyAlways || p.Status.StartTime == nil {
		return time.Time{}, false
	}
	v, ok := p.Annotations[AnnotationCompleteAfter]
	if !ok {
		return time.Time{}, false
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return time.Time{}, false
	}
	return p.Status.StartTime.Add(d), true
}

// running is the status a kubelet reports once every container of the pod
// has started and (with no readiness probe to wait for) is ready.
func running(pod *corev1.Pod, n *node) *corev1.Pod {
	p := pod.DeepCopy()
	now := metav1.Now()
	if p.Status.StartTime == nil {
		p.Status.StartTime = &now
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.HostIP = n.hostIP
	p.Status.HostIPs = []corev1.HostIP{{IP: n.hostIP}}
	if p.Status.PodIP == "" {
		ip := n.hostIP
		if !p.Spec.HostNetwork {
			ip = n.podIP()
		}
		p.Status.PodIP = ip
		p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	}
	setConditions(p, now, corev1.ConditionTrue, "")

	var inits []corev1.ContainerStatus
	for _, c := range p.Spec.InitContainers {
		cs := containerStatus(p, c, now)
		if c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
			// A regular init container has run to completion.
			f := false
			cs.Started = &f
			cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 0, Reason: "Completed", StartedAt: now, FinishedAt: now, ContainerID: cs.ContainerID}}
		}
		inits = append(inits, cs)
	}
	p.Status.InitContainerStatuses = inits
	p.Status.ContainerStatuses = nil
	for _, c := range p.Spec.Containers {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, containerStatus(p, c, now))
	}
	return p
}

// succeeded is the status of a pod whose containers all exited 0.
func succeeded(pod *corev1.Pod) *corev1.Pod {
	p := pod.DeepCopy()
	now := metav1.Now()
	p.Status.Phase = corev1.PodSucceeded
	setConditions(p, now, corev1.ConditionFalse, "PodCompleted")
	f := false
	for i := range p.Status.ContainerStatuses {
		cs := &p.Status.ContainerStatuses[i]
		started := now
		if cs.State.Running != nil {
			started = cs.State.Running.StartedAt
		}
		cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 0, Reason: "Completed", StartedAt: started, FinishedAt: now, ContainerID: cs.ContainerID}}
		cs.Ready, cs.Started = false, &f
	}
	for i := range p.Status.InitContainerStatuses {
		cs := &p.Status.InitContainerStatuses[i]
		if cs.State.Running != nil {
			// Sidecars are stopped once the main containers are done.
			cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 0, Reason: "Completed", StartedAt: cs.State.Running.StartedAt, FinishedAt: now, ContainerID: cs.ContainerID}}
			cs.Ready, cs.Started = false, &f
		}
	}
	return p
}

// kubeletConditions are the pod conditions the kubelet owns; others
// (PodScheduled from the scheduler, DisruptionTarget, readiness gates)
// are kept as they are.
var kubeletConditions = []corev1.PodConditionType{
	corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.PodReady, corev1.ContainersReady,
}

// setConditions sets the kubelet's conditions: PodReadyToStartContainers
// and Initialized true, Ready and ContainersReady to ready (with reason
// when not true). Transition times move only when a status changes.
func setConditions(p *corev1.Pod, now metav1.Time, ready corev1.ConditionStatus, reason string) {
	old := map[corev1.PodConditionType]corev1.PodCondition{}
	var others []corev1.PodCondition
	for _, c := range p.Status.Conditions {
		if isKubeletCondition(c.Type) {
			old[c.Type] = c
		} else {
			others = append(others, c)
		}
	}
	mk := func(t corev1.PodConditionType, s corev1.ConditionStatus, reason string) corev1.PodCondition {
		c := corev1.PodCondition{Type: t, Status: s, Reason: reason, LastTransitionTime: now, ObservedGeneration: p.Generation}
		if o, ok := old[t]; ok && o.Status == s {
			c.LastTransitionTime = o.LastTransitionTime
		}
		return c
	}
	conds := []corev1.PodCondition{
		mk(corev1.PodReadyToStartContainers, corev1.ConditionTrue, ""),
		mk(corev1.PodInitialized, corev1.ConditionTrue, ""),
		mk(corev1.PodReady, ready, reason),
		mk(corev1.ContainersReady, ready, reason),
	}
	hasScheduled := false
	for _, c := range others {
		if c.Type == corev1.PodScheduled {
			hasScheduled = true
		}
	}
	if !hasScheduled {
		// Bound without a scheduler (spec.nodeName set at creation): the
		// kubelet reports it scheduled.
		conds = append(conds, mk(corev1.PodScheduled, corev1.ConditionTrue, ""))
	}
	p.Status.Conditions = append(conds, others...)
}

func isKubeletCondition(t corev1.PodConditionType) bool {
	for _, k := range kubeletConditions {
		if k == t {
			return true
		}
	}
	return false
}

func containerStatus(p *corev1.Pod, c corev1.Container, now metav1.Time) corev1.ContainerStatus {
	t := true
	return corev1.ContainerStatus{
		Name:        c.Name,
		Image:       c.Image,
		ImageID:     imageID(c.Image),
		ContainerID: "containerd://" + hexHash(string(p.UID)+"/"+c.Name),
		Ready:       true,
		Started:     &t,
		State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
	}
}

// imageID is a stable digest reference for an image, as a runtime reports
// the image it pulled.
func imageID(image string) string {
	if strings.Contains(image, "@") {
		return image
	}
	repo := image
	// A tag follows the last colon after the last slash (a colon before
	// it is a registry's port).
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		repo = image[:i]
	}
	return repo + "@sha256:" + hexHash(image)
}

func hexHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%x", sum)
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
