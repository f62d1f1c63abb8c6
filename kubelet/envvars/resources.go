package envvars

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// defaultableResources are the resources whose missing limits the downward
// API reports as node allocatable. Hugepages are never overcommitted, so a
// container always has an explicit limit for them.
var defaultableResources = []v1.ResourceName{v1.ResourceCPU, v1.ResourceMemory, v1.ResourceEphemeralStorage}

// WithDefaultLimits returns a copy of c whose unset (or zero) cpu, memory and
// ephemeral-storage limits are filled from allocatable, so "limits.memory"
// reads as the most the container could actually use.
func WithDefaultLimits(c *v1.Container, allocatable v1.ResourceList) *v1.Container {
	out := c.DeepCopy()
	if out.Resources.Limits == nil {
		out.Resources.Limits = v1.ResourceList{}
	}
	for _, name := range defaultableResources {
		if q, ok := out.Resources.Limits[name]; ok && !q.IsZero() {
			continue
		}
		if a, ok := allocatable[name]; ok {
			out.Resources.Limits[name] = a.DeepCopy()
		}
	}
	return out
}

// podAllocatable narrows allocatable by pod-level limits: with pod-level
// resources a container without its own limit is bounded by the pod's.
func podAllocatable(pod *v1.Pod, allocatable v1.ResourceList) v1.ResourceList {
	if pod.Spec.Resources == nil || len(pod.Spec.Resources.Limits) == 0 {
		return allocatable
	}
	out := allocatable.DeepCopy()
	for _, name := range []v1.ResourceName{v1.ResourceCPU, v1.ResourceMemory} {
		if q, ok := pod.Spec.Resources.Limits[name]; ok && !q.IsZero() {
			if _, ok := out[name]; ok {
				out[name] = q.DeepCopy()
			}
		}
	}
	return out
}

// findContainer looks in regular then init containers, like upstream.
func findContainer(pod *v1.Pod, name string) (*v1.Container, error) {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i], nil
		}
	}
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == name {
			return &pod.Spec.InitContainers[i], nil
		}
	}
	return nil, fmt.Errorf("container %s not found", name)
}

// ResourceValue renders the resource fs selects from container c (which
// should already carry defaulted limits) divided by fs.Divisor, rounded up.
func ResourceValue(fs *v1.ResourceFieldSelector, c *v1.Container) (string, error) {
	divisor := fs.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	lim, req := c.Resources.Limits, c.Resources.Requests
	switch fs.Resource {
	case "limits.cpu":
		return ceilMilli(lim.Cpu(), divisor), nil
	case "limits.memory":
		return ceilDiv(lim.Memory(), divisor), nil
	case "limits.ephemeral-storage":
		return ceilDiv(lim.StorageEphemeral(), divisor), nil
	case "requests.cpu":
		return ceilMilli(req.Cpu(), divisor), nil
	case "requests.memory":
		return ceilDiv(req.Memory(), divisor), nil
	case "requests.ephemeral-storage":
		return ceilDiv(req.StorageEphemeral(), divisor), nil
	}
	for _, kind := range []string{"requests.", "limits."} {
		name := strings.TrimPrefix(fs.Resource, kind)
		if name == fs.Resource || !strings.HasPrefix(name, v1.ResourceHugePagesPrefix) {
			continue
		}
		list := req
		if kind == "limits." {
			list = lim
		}
		return ceilDiv(list.Name(v1.ResourceName(name), resource.BinarySI), divisor), nil
	}
	return "", fmt.Errorf("unsupported container resource : %v", fs.Resource)
}

// ceilMilli works in millicores so a divisor of "1m" gives exact results.
func ceilMilli(q *resource.Quantity, divisor resource.Quantity) string {
	return strconv.FormatInt(int64(math.Ceil(float64(q.MilliValue())/float64(divisor.MilliValue()))), 10)
}

func ceilDiv(q *resource.Quantity, divisor resource.Quantity) string {
	return strconv.FormatInt(int64(math.Ceil(float64(q.Value())/float64(divisor.Value()))), 10)
}

// VolumeResourceValue is the downwardAPI volume flavour: the container is
// named in the selector and missing limits default to node allocatable.
func VolumeResourceValue(fs *v1.ResourceFieldSelector, pod *v1.Pod, allocatable v1.ResourceList) (string, error) {
	c, err := findContainer(pod, fs.ContainerName)
	if err != nil {
		return "", err
	}
	return ResourceValue(fs, WithDefaultLimits(c, allocatable))
}
