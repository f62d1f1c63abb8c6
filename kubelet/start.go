package kubelet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/klog/v2"

	"github.com/skiff-k8s/skiff/kubelet/envvars"
)

// startContainer pulls the image, makes the container and starts it,
// reporting each step as upstream's events and, on failure, as the
// container's waiting reason. It returns when to try again after a
// failure (0 when it started).
func (k *Kubelet) startContainer(ctx context.Context, pod *v1.Pod, c *v1.Container, fieldPath string, rt *podRuntime, w *podWorker, attempt uint32) time.Duration {
	ref := containerRef(pod, fieldPath)
	sandboxCfg := k.sandboxConfig(pod, rt.ready.Metadata.Attempt)
	imageRef, retry := k.ensureImage(ctx, pod, c, ref, w, sandboxCfg)
	if imageRef == "" {
		return retry
	}
	configErr := func(reason string, err error) time.Duration {
		w.setWaiting(c.Name, waitReason{reason, err.Error()})
		k.recorder.Eventf(ref, v1.EventTypeWarning, "Failed", "Error: %v", err)
		return 5 * time.Second
	}
	node := k.node.get()
	env, err := envvars.Env(ctx, k.client, pod, c, rt.ip, k.opts.Address.String(), node.Status.Allocatable)
	if err != nil {
		return configErr("CreateContainerConfigError", err)
	}
	cfg, err := k.containerConfig(pod, c, env, attempt, imageRef)
	if err != nil {
		return configErr("CreateContainerConfigError", err)
	}
	id, err := k.runtime.CreateContainer(ctx, rt.ready.Id, cfg, sandboxCfg)
	if err != nil {
		return configErr("CreateContainerError", err)
	}
	k.recorder.Event(ref, v1.EventTypeNormal, "Created", "Container created")
	if err := k.runtime.StartContainer(ctx, id); err != nil {
		// The runtime reports the container exited with StartError.
		k.recorder.Eventf(ref, v1.EventTypeWarning, "Failed", "Error: %v", err)
		w.clearWaiting(c.Name)
		return time.Second
	}
	k.recorder.Event(ref, v1.EventTypeNormal, "Started", "Container started")
	w.clearWaiting(c.Name)
	k.prober.ContainerStarted(pod, c, id, rt.ip)
	if c.Lifecycle != nil && c.Lifecycle.PostStart != nil {
		if msg, err := k.runHook(ctx, pod, c, id, rt.ip, c.Lifecycle.PostStart); err != nil {
			k.recorder.Eventf(ref, v1.EventTypeWarning, "FailedPostStartHook", "%s", msg)
			st := &runtimeapi.ContainerStatus{Id: id, Metadata: cfg.Metadata}
			k.killContainer(ctx, pod, c, st, gracePeriod(pod), "FailedPostStartHook")
		}
	}
	return 0
}

// containerConfig is the CRI request for one container of the pod.
func (k *Kubelet) containerConfig(pod *v1.Pod, c *v1.Container, env []envvars.EnvVar, attempt uint32, imageRef string) (*runtimeapi.ContainerConfig, error) {
	vars := map[string]string{}
	kvs := make([]*runtimeapi.KeyValue, 0, len(env))
	for _, e := range env {
		vars[e.Name] = e.Value
		kvs = append(kvs, &runtimeapi.KeyValue{Key: e.Name, Value: []byte(e.Value)})
	}
	expand := func(in []string) []string {
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = envvars.Expand(s, envvars.MappingFor(vars))
		}
		return out
	}
	mounts, err := k.containerMounts(pod, c, vars)
	if err != nil {
		return nil, err
	}
	msgPath := c.TerminationMessagePath
	if msgPath == "" {
		msgPath = v1.TerminationMessagePathDefault
	}
	hostMsg := filepath.Join(k.podDir(pod.UID), "containers", c.Name, strconv.Itoa(int(attempt))+".termination-log")
	if err := os.MkdirAll(filepath.Dir(hostMsg), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(hostMsg, nil, 0o666); err != nil {
		return nil, err
	}
	mounts = append(mounts, &runtimeapi.Mount{ContainerPath: msgPath, HostPath: hostMsg})
	return &runtimeapi.ContainerConfig{
		Metadata:   &runtimeapi.ContainerMetadata{Name: c.Name, Attempt: attempt},
		Image:      &runtimeapi.ImageSpec{Image: imageRef, UserSpecifiedImage: c.Image},
		Command:    expand(c.Command),
		Args:       expand(c.Args),
		WorkingDir: c.WorkingDir,
		Envs:       kvs,
		Mounts:     mounts,
		Labels: map[string]string{
			labelPodUID: string(pod.UID), labelPodName: pod.Name, labelPodNamespace: pod.Namespace, labelContainerName: c.Name,
		},
		Annotations: map[string]string{
			annotationRestartCount:                             strconv.Itoa(int(attempt)),
			annotationTerminationMessagePath:                   hostMsg,
			"io.kubernetes.container.terminationMessagePolicy": string(c.TerminationMessagePolicy),
		},
		LogPath:   filepath.Join(c.Name, strconv.Itoa(int(attempt))+".log"),
		Stdin:     c.Stdin,
		StdinOnce: c.StdinOnce,
		Tty:       c.TTY,
		Linux:     k.linuxContainerConfig(pod, c),
	}, nil
}

// killContainer stops one container within grace seconds, running its
// preStop hook first.
func (k *Kubelet) killContainer(ctx context.Context, pod *v1.Pod, c *v1.Container, st *runtimeapi.ContainerStatus, grace int64, message string) {
	// A container being killed no longer counts its probes.
	k.prober.ContainerStopped(st.Id)
	if pod != nil && c != nil {
		fp := fmt.Sprintf("spec.containers{%s}", c.Name)
		for i := range pod.Spec.InitContainers {
			if pod.Spec.InitContainers[i].Name == c.Name {
				fp = fmt.Sprintf("spec.initContainers{%s}", c.Name)
			}
		}
		k.recorder.Event(containerRef(pod, fp), v1.EventTypeNormal, "Killing", message)
		if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && grace > 0 {
			start := time.Now()
			hctx, cancel := context.WithTimeout(ctx, time.Duration(grace)*time.Second)
			if msg, err := k.runHook(hctx, pod, c, st.Id, pod.Status.PodIP, c.Lifecycle.PreStop); err != nil {
				k.recorder.Eventf(containerRef(pod, fp), v1.EventTypeWarning, "FailedPreStopHook", "%s", msg)
			}
			cancel()
			grace -= int64(time.Since(start).Seconds())
			if grace < 2 {
				grace = 2 // upstream's minimum after a preStop hook
			}
		}
	}
	if err := k.runtime.StopContainer(ctx, st.Id, grace); err != nil {
		klog.FromContext(ctx).Error(err, "Stopping container failed", "containerID", st.Id)
	}
}

// killPod stops all of a pod's containers in parallel, then its sandbox.
func (k *Kubelet) killPod(ctx context.Context, pod *v1.Pod, rt *podRuntime, grace int64) {
	running := rt.running()
	done := make(chan struct{}, len(running))
	for _, st := range running {
		go func(st *runtimeapi.ContainerStatus) {
			defer func() { done <- struct{}{} }()
			var c *v1.Container
			if pod != nil {
				c = specContainer(pod, st.Metadata.Name)
			}
			k.killContainer(ctx, pod, c, st, grace, fmt.Sprintf("Stopping container %s", st.Metadata.Name))
		}(st)
	}
	for range running {
		<-done
	}
	for _, sb := range rt.sandboxes {
		if sb.State == runtimeapi.PodSandboxState_SANDBOX_READY {
			if err := k.runtime.StopPodSandbox(ctx, sb.Id); err != nil {
				klog.FromContext(ctx).Error(err, "Stopping sandbox failed", "sandbox", sb.Id)
			}
		}
	}
}

// removePod removes every trace of a pod the API has forgotten.
func (k *Kubelet) removePod(ctx context.Context, uid types.UID) {
	rt, err := k.inspect(ctx, uid)
	if err == nil {
		for _, list := range rt.containers {
			for _, st := range list {
				_ = k.runtime.RemoveContainer(ctx, st.Id)
			}
		}
		for _, sb := range rt.sandboxes {
			_ = k.runtime.StopPodSandbox(ctx, sb.Id)
			if err := k.runtime.RemovePodSandbox(ctx, sb.Id); err != nil {
				klog.FromContext(ctx).Error(err, "Removing sandbox failed", "sandbox", sb.Id)
			}
		}
	}
	removePodCgroups(uid)
	k.prober.RemovePod(uid)
	if err := k.volumes.Teardown(uid); err != nil {
		klog.FromContext(ctx).Error(err, "Tearing down volumes failed", "podUID", uid)
	}
	_ = os.RemoveAll(k.podDir(uid))
	if rt != nil {
		for _, sb := range rt.sandboxes {
			_ = os.RemoveAll(k.podLogDir(sb.Metadata.Namespace, sb.Metadata.Name, uid))
		}
	}
}

// gcContainers keeps the newest two containers of each name (the current
// one and the previous, for `kubectl logs --previous`) and removes older
// ones, as upstream's container GC keeps one dead container per name.
func (k *Kubelet) gcContainers(ctx context.Context, rt *podRuntime) {
	for _, list := range rt.containers {
		for _, st := range list[min(2, len(list)):] {
			if st.State == runtimeapi.ContainerState_CONTAINER_EXITED {
				_ = k.runtime.RemoveContainer(ctx, st.Id)
			}
		}
	}
}

func specContainer(pod *v1.Pod, name string) *v1.Container {
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == name {
			return &pod.Spec.InitContainers[i]
		}
	}
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}

func containerRef(pod *v1.Pod, fieldPath string) *v1.ObjectReference {
	return &v1.ObjectReference{
		Kind: "Pod", APIVersion: "v1", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
		ResourceVersion: pod.ResourceVersion, FieldPath: fieldPath,
	}
}

func (k *Kubelet) podDir(uid types.UID) string {
	return filepath.Join(k.opts.RootDir, "pods", string(uid))
}

func (k *Kubelet) podLogDir(ns, name string, uid types.UID) string {
	return filepath.Join(k.opts.LogDir, ns+"_"+name+"_"+string(uid))
}
