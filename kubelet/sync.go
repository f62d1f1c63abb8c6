package kubelet

import (
	"context"
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/klog/v2"
)

// syncPod drives one pod a step towards its spec and reports its status.
// done says the pod is gone for good; again, when positive, asks for
// another sync that much later (a back-off ending).
func (k *Kubelet) syncPod(ctx context.Context, w *podWorker) (done bool, again time.Duration) {
	log := klog.FromContext(ctx)
	pod, err := k.pods.Pods(w.namespace).Get(w.name)
	if err != nil || pod.UID != w.uid {
		pod = nil
	}
	rt, err := k.inspect(ctx, w.uid)
	if err != nil {
		log.Error(err, "Inspecting the pod in the runtime failed")
		return false, time.Second
	}
	if pod == nil {
		// The API has forgotten the pod (its deletion finished, or it
		// was force-deleted): stop and remove everything it had.
		k.killPod(ctx, w.lastPod(), rt, gracePeriod(w.lastPod()))
		k.removePod(ctx, w.uid)
		return true, 0
	}
	pod = pod.DeepCopy()
	if pod.DeletionTimestamp != nil {
		return false, k.terminate(ctx, pod, rt, w)
	}
	if pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed {
		// Finished pods keep their containers for logs but run nothing.
		if len(rt.running()) > 0 || rt.ready != nil {
			k.killPod(ctx, pod, rt, gracePeriod(pod))
		}
		return false, 0
	}
	if !w.volumesReady {
		if err := k.setupVolumes(ctx, pod, w); err != nil {
			k.recorder.Eventf(pod, v1.EventTypeWarning, "FailedMount", "%v", err)
			k.updateStatus(ctx, pod, rt, w)
			return false, 2 * time.Second
		}
	} else if time.Since(w.lastRefresh) > time.Minute {
		// configMap, secret and projected contents follow the API, as
		// upstream refreshes them on its sync period.
		if err := k.volumes.Refresh(ctx, pod); err != nil {
			log.V(2).Info("Refreshing volumes failed", "err", err)
		}
		w.lastRefresh = time.Now()
	}
	if rt.ready == nil {
		if wouldRunNothing(pod, rt) {
			k.updateStatus(ctx, pod, rt, w)
			return false, 0
		}
		if err := k.createSandbox(ctx, pod, rt); err != nil {
			k.recorder.Eventf(pod, v1.EventTypeWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: %v", err)
			k.updateStatus(ctx, pod, rt, w)
			return false, 5 * time.Second
		}
		if rt, err = k.inspect(ctx, w.uid); err != nil {
			return false, time.Second
		}
	}
	again, acted := k.syncContainers(ctx, pod, rt, w)
	if acted {
		if r2, err := k.inspect(ctx, w.uid); err == nil {
			rt = r2
		}
	}
	k.updateStatus(ctx, pod, rt, w)
	k.gcContainers(ctx, rt)
	return false, again
}

// terminate kills a pod being deleted within its grace period, reports
// its containers' last states, then finishes the deletion as the kubelet
// does: a delete with grace period 0, guarded by the pod's UID.
func (k *Kubelet) terminate(ctx context.Context, pod *v1.Pod, rt *podRuntime, w *podWorker) time.Duration {
	if w.deleteSent {
		return 5 * time.Second
	}
	k.killPod(ctx, pod, rt, gracePeriod(pod))
	if r2, err := k.inspect(ctx, pod.UID); err == nil {
		rt = r2
	}
	k.updateStatus(ctx, pod, rt, w)
	// Its cgroups go before the pod leaves the API, as upstream's kubelet
	// cleans up before it lets the deletion finish; containers and the
	// sandbox stay until then, for logs.
	removePodCgroups(pod.UID)
	zero := int64(0)
	err := k.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero,
		Preconditions:      metav1.NewUIDPreconditions(string(pod.UID)),
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		klog.FromContext(ctx).Error(err, "Deleting the terminated pod failed")
		return time.Second
	}
	w.deleteSent = true
	return 5 * time.Second
}

// wouldRunNothing is true when the pod's sandbox is gone and every
// container has finished for good (restartPolicy Never or OnFailure with
// success), so a new sandbox would only sit idle.
func wouldRunNothing(pod *v1.Pod, rt *podRuntime) bool {
	if len(rt.sandboxes) == 0 {
		return false
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		st := rt.latest(c.Name)
		if st == nil || st.State != runtimeapi.ContainerState_CONTAINER_EXITED || shouldRestart(pod, c, st.ExitCode) {
			return false
		}
	}
	return true
}

// shouldRestart applies the container's (or else the pod's) restartPolicy
// to an exit.
func shouldRestart(pod *v1.Pod, c *v1.Container, exitCode int32) bool {
	policy := pod.Spec.RestartPolicy
	if c.RestartPolicy != nil {
		policy = v1.RestartPolicy(*c.RestartPolicy)
	}
	switch policy {
	case v1.RestartPolicyNever:
		return false
	case v1.RestartPolicyOnFailure:
		return exitCode != 0
	default:
		return true
	}
}

func isSidecar(c *v1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
}

// gracePeriod is how long the pod's containers get to stop: the grace
// of its deletion, else its spec's, else upstream's 30 s default.
func gracePeriod(pod *v1.Pod) int64 {
	if pod == nil {
		return 2
	}
	if pod.DeletionGracePeriodSeconds != nil {
		return *pod.DeletionGracePeriodSeconds
	}
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		return *pod.Spec.TerminationGracePeriodSeconds
	}
	return 30
}

func (w *podWorker) lastPod() *v1.Pod { return w.last.Load() }

// formatPod is upstream's format.Pod: name_namespace(uid).
func formatPod(pod *v1.Pod) string {
	return fmt.Sprintf("%s_%s(%s)", pod.Name, pod.Namespace, pod.UID)
}

func (k *Kubelet) setupVolumes(ctx context.Context, pod *v1.Pod, w *podWorker) error {
	mounts, err := k.volumes.Setup(ctx, pod)
	if err != nil {
		return err
	}
	w.mounts, w.volumesReady, w.lastRefresh = mounts, true, time.Now()
	return nil
}
