package kubelet

import (
	"context"
	"sort"

	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Runtime labels, upstream's names: they tie sandboxes and containers
// to their pod across kubelet restarts.
const (
	labelPodUID        = "io.kubernetes.pod.uid"
	labelPodName       = "io.kubernetes.pod.name"
	labelPodNamespace  = "io.kubernetes.pod.namespace"
	labelContainerName = "io.kubernetes.container.name"
	// annotations the kubelet reads back to report a container.
	annotationTerminationMessagePath = "io.kubernetes.container.terminationMessagePath"
	annotationRestartCount           = "io.kubernetes.container.restartCount"
)

// podRuntime is what the runtime holds for one pod.
type podRuntime struct {
	// sandboxes, newest first.
	sandboxes []*runtimeapi.PodSandbox
	// ready is the newest ready sandbox, nil if none.
	ready *runtimeapi.PodSandbox
	// ip is the ready sandbox's pod IP.
	ip string
	// containers by name, newest attempt first, of all the pod's sandboxes.
	containers map[string][]*runtimeapi.ContainerStatus
	// sandboxOf maps a container's ID to its sandbox's.
	sandboxOf map[string]string
}

// current is the newest container of that name in the ready sandbox: a
// new sandbox (after a reboot, or its pause process died) starts every
// container again, init containers included, as upstream does.
func (r *podRuntime) current(name string) *runtimeapi.ContainerStatus {
	if st := r.latest(name); st != nil && r.ready != nil && r.sandboxOf[st.Id] == r.ready.Id {
		return st
	}
	return nil
}

// nextAttempt numbers a container's next run after all its earlier ones,
// in any sandbox, so restart counts keep growing across sandboxes.
func (r *podRuntime) nextAttempt(name string) uint32 {
	if st := r.latest(name); st != nil {
		return st.Metadata.Attempt + 1
	}
	return 0
}

// latest is the newest container of that name, nil if none ran.
func (r *podRuntime) latest(name string) *runtimeapi.ContainerStatus {
	if cs := r.containers[name]; len(cs) > 0 {
		return cs[0]
	}
	return nil
}

func (r *podRuntime) running() []*runtimeapi.ContainerStatus {
	var out []*runtimeapi.ContainerStatus
	for _, cs := range r.containers {
		for _, c := range cs {
			if c.State == runtimeapi.ContainerState_CONTAINER_RUNNING || c.State == runtimeapi.ContainerState_CONTAINER_CREATED {
				out = append(out, c)
			}
		}
	}
	return out
}

// inspect asks the runtime about one pod.
func (k *Kubelet) inspect(ctx context.Context, uid types.UID) (*podRuntime, error) {
	sel := map[string]string{labelPodUID: string(uid)}
	sbs, err := k.runtime.ListPodSandbox(ctx, &runtimeapi.PodSandboxFilter{LabelSelector: sel})
	if err != nil {
		return nil, err
	}
	sort.Slice(sbs, func(i, j int) bool { return sbs[i].CreatedAt > sbs[j].CreatedAt })
	r := &podRuntime{sandboxes: sbs, containers: map[string][]*runtimeapi.ContainerStatus{}, sandboxOf: map[string]string{}}
	for _, sb := range sbs {
		if sb.State == runtimeapi.PodSandboxState_SANDBOX_READY {
			st, err := k.runtime.PodSandboxStatus(ctx, sb.Id, false)
			if err != nil {
				return nil, err
			}
			r.ready = sb
			if st.Status.GetNetwork() != nil {
				r.ip = st.Status.Network.Ip
			}
			break
		}
	}
	cs, err := k.runtime.ListContainers(ctx, &runtimeapi.ContainerFilter{LabelSelector: sel})
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		st, err := k.runtime.ContainerStatus(ctx, c.Id, false)
		if err != nil || st.Status == nil {
			continue // removed meanwhile
		}
		name := c.Labels[labelContainerName]
		r.containers[name] = append(r.containers[name], st.Status)
		r.sandboxOf[c.Id] = c.PodSandboxId
	}
	for _, list := range r.containers {
		sort.Slice(list, func(i, j int) bool {
			if list[i].Metadata.Attempt != list[j].Metadata.Attempt {
				return list[i].Metadata.Attempt > list[j].Metadata.Attempt
			}
			return list[i].CreatedAt > list[j].CreatedAt
		})
	}
	return r, nil
}
