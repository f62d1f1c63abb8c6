package pod

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func qosResource(name corev1.ResourceName) bool {
	return name == corev1.ResourceCPU || name == corev1.ResourceMemory
}

// GetPodQOS computes a pod's QoS class as upstream's qos.GetPodQOS:
// Guaranteed when every container (or the pod-level resources) limits cpu
// and memory with requests equal to limits, BestEffort when nothing is
// requested or limited, Burstable otherwise.
func GetPodQOS(pod *corev1.Pod) corev1.PodQOSClass {
	requests, limits := corev1.ResourceList{}, corev1.ResourceList{}
	zero := resource.Quantity{}
	guaranteed := true
	add := func(into corev1.ResourceList, name corev1.ResourceName, q resource.Quantity) {
		if cur, ok := into[name]; ok {
			cur.Add(q)
			into[name] = cur
		} else {
			into[name] = q.DeepCopy()
		}
	}
	if r := pod.Spec.Resources; r != nil && (len(r.Requests) > 0 || len(r.Limits) > 0) {
		for name, q := range r.Requests {
			if qosResource(name) && q.Cmp(zero) == 1 {
				add(requests, name, q)
			}
		}
		found := 0
		for name, q := range r.Limits {
			if qosResource(name) && q.Cmp(zero) == 1 {
				found++
				add(limits, name, q)
			}
		}
		if found != 2 {
			guaranteed = false
		}
	} else {
		all := append(append([]corev1.Container{}, pod.Spec.Containers...), pod.Spec.InitContainers...)
		for _, c := range all {
			for name, q := range c.Resources.Requests {
				if qosResource(name) && q.Cmp(zero) == 1 {
					add(requests, name, q)
				}
			}
			found := map[corev1.ResourceName]bool{}
			for name, q := range c.Resources.Limits {
				if qosResource(name) && q.Cmp(zero) == 1 {
					found[name] = true
					add(limits, name, q)
				}
			}
			if !found[corev1.ResourceCPU] || !found[corev1.ResourceMemory] {
				guaranteed = false
			}
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return corev1.PodQOSBestEffort
	}
	if guaranteed {
		for name, req := range requests {
			if lim, ok := limits[name]; !ok || lim.Cmp(req) != 0 {
				guaranteed = false
				break
			}
		}
	}
	if guaranteed && len(requests) == len(limits) {
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

// DefaultPodLevelResources fills pod-level requests when pod-level limits
// are set, as upstream's PrepareForCreate: from the containers' summed
// requests where they have some, else from the pod-level limit.
func DefaultPodLevelResources(pod *corev1.Pod) {
	r := pod.Spec.Resources
	if r == nil || len(r.Limits) == 0 {
		return
	}
	if r.Requests == nil {
		r.Requests = corev1.ResourceList{}
	}
	sum := corev1.ResourceList{}
	for _, c := range pod.Spec.Containers {
		for name, q := range c.Resources.Requests {
			if cur, ok := sum[name]; ok {
				cur.Add(q)
				sum[name] = cur
			} else {
				sum[name] = q.DeepCopy()
			}
		}
	}
	for name := range r.Limits {
		if !qosResource(name) {
			continue
		}
		if _, ok := r.Requests[name]; ok {
			continue
		}
		if q, ok := sum[name]; ok {
			r.Requests[name] = q
		} else {
			r.Requests[name] = r.Limits[name].DeepCopy()
		}
	}
	if len(r.Requests) == 0 {
		r.Requests = nil
	}
}
