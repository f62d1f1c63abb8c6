package podautoscaler

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"
)

// podRequests gives each pod's request of resource in milli-units: the
// named container's, else the pod-level request when the pod sets one
// (PodLevelResources is on by default), else the sum over its containers
// and restartable init containers (sidecars).
func podRequests(pods []*corev1.Pod, container string, resource corev1.ResourceName) (map[string]int64, error) {
	out := make(map[string]int64, len(pods))
	for _, pod := range pods {
		var n int64
		var err error
		if container == "" && resourcehelper.IsPodLevelRequestsSet(pod) {
			n, err = podLevelRequest(pod, resource)
		} else {
			n, err = containerRequests(pod, container, resource)
		}
		if err != nil {
			return nil, err
		}
		out[pod.Name] = n
	}
	return out, nil
}

func podLevelRequest(pod *corev1.Pod, resource corev1.ResourceName) (int64, error) {
	q, ok := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})[resource]
	if !ok {
		return 0, fmt.Errorf("missing pod-level request for %s in Pod %s", resource, pod.Name)
	}
	return q.MilliValue(), nil
}

func containerRequests(pod *corev1.Pod, container string, resource corev1.ResourceName) (int64, error) {
	containers := append([]corev1.Container{}, pod.Spec.Containers...)
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			containers = append(containers, c)
		}
	}
	var sum int64
	for _, c := range containers {
		if container != "" && c.Name != container {
			continue
		}
		q, ok := c.Resources.Requests[resource]
		if !ok {
			return 0, fmt.Errorf("missing request for %s in container %s of Pod %s", resource, c.Name, pod.Name)
		}
		sum += q.MilliValue()
		if container != "" {
			return sum, nil
		}
	}
	if container != "" {
		return 0, fmt.Errorf("container %s not found in Pod %s", container, pod.Name)
	}
	return sum, nil
}

// utilizationRatio is the pods' usage as a percentage of their requests
// (only pods with both), over the target percentage; it also returns that
// percentage and the average usage.
func utilizationRatio(metrics podMetrics, requests map[string]int64, target int32) (float64, int32, int64, error) {
	var used, requested int64
	n := 0
	for name, m := range metrics {
		r, ok := requests[name]
		if !ok {
			continue // a sample of a pod that no longer matches
		}
		used += m.value
		requested += r
		n++
	}
	if requested == 0 {
		return 0, 0, 0, errors.New("no metrics returned matched known pods")
	}
	utilization := int32(used * 100 / requested)
	return float64(utilization) / float64(target), utilization, used / int64(n), nil
}

// usageRatio is the pods' average value over the target; it also returns
// that average.
func usageRatio(metrics podMetrics, target int64) (float64, int64) {
	var sum int64
	for _, m := range metrics {
		sum += m.value
	}
	avg := sum / int64(len(metrics))
	return float64(avg) / float64(target), avg
}
