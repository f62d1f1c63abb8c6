package volumes

import (
	"os"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// setupEmptyDir makes a world-writable directory (containers run as any
// user) and, for medium Memory, mounts a tmpfs sized like upstream.
func (m *Manager) setupEmptyDir(pod *v1.Pod, name string, src *v1.EmptyDirVolumeSource) (Mount, error) {
	dir := m.volumeDir(pod.UID, pluginEmptyDir, name)
	switch src.Medium {
	case v1.StorageMediumDefault:
		if err := makeWorldWritable(dir); err != nil {
			return Mount{}, err
		}
	case v1.StorageMediumMemory:
		if err := makeWorldWritable(dir); err != nil {
			return Mount{}, err
		}
		// The tmpfs root keeps the kernel's 1777, as upstream's does.
		if err := mountTmpfs(dir, m.memoryVolumeSize(pod, src.SizeLimit)); err != nil {
			return Mount{}, err
		}
	default:
		return Mount{}, errUnsupportedMedium(src.Medium)
	}
	if err := applyFSGroup(dir, pod, false, true); err != nil {
		return Mount{}, err
	}
	return Mount{HostPath: dir}, nil
}

func errUnsupportedMedium(m v1.StorageMedium) error {
	return &mediumError{m}
}

type mediumError struct{ m v1.StorageMedium }

func (e *mediumError) Error() string { return "unknown storage medium \"" + string(e.m) + "\"" }

func makeWorldWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	// A mounted tmpfs root keeps its own mode (1777) across repeated Setup
	// calls, so the volume looks the same on every sync.
	if mounted, err := isMountPoint(dir); err != nil || mounted {
		return err
	}
	// MkdirAll's mode is filtered by umask.
	return os.Chmod(dir, 0o777)
}

// memoryVolumeSize bounds a memory-backed volume by node allocatable memory,
// then by the pod's memory limit, then by the volume's own sizeLimit,
// whichever is smallest, because tmpfs pages are charged to the pod. 0 means
// no bound is known and the kernel default applies.
func (m *Manager) memoryVolumeSize(pod *v1.Pod, sizeLimit *resource.Quantity) int64 {
	var size int64
	if q, ok := m.Allocatable[v1.ResourceMemory]; ok {
		size = q.Value()
	}
	tighten := func(v int64) {
		if v > 0 && (size == 0 || v <= size) {
			size = v
		}
	}
	tighten(podMemoryLimit(pod))
	if sizeLimit != nil {
		tighten(sizeLimit.Value())
	}
	return size
}

// podMemoryLimit is the pod cgroup's memory limit as the kubelet would set
// it, or 0 when some container is unlimited (then the pod is too).
func podMemoryLimit(pod *v1.Pod) int64 {
	if pod.Spec.Resources != nil {
		if q, ok := pod.Spec.Resources.Limits[v1.ResourceMemory]; ok && !q.IsZero() {
			return q.Value()
		}
	}
	var sum int64
	for _, c := range pod.Spec.Containers {
		q, ok := c.Resources.Limits[v1.ResourceMemory]
		if !ok || q.IsZero() {
			return 0
		}
		sum += q.Value()
	}
	// Sidecars run alongside the app containers and add to the total;
	// ordinary init containers run alone and only raise the peak.
	var peak int64
	for _, c := range pod.Spec.InitContainers {
		q, ok := c.Resources.Limits[v1.ResourceMemory]
		if !ok || q.IsZero() {
			return 0
		}
		if c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways {
			sum += q.Value()
		} else if q.Value() > peak {
			peak = q.Value()
		}
	}
	if pod.Spec.Overhead != nil {
		if q, ok := pod.Spec.Overhead[v1.ResourceMemory]; ok {
			sum += q.Value()
		}
	}
	return max(sum, peak)
}
