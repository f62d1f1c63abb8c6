package fake

import (
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Node is a node with allocatable cpu/memory (e.g. "4", "8Gi"; empty
// leaves it out), 110 pods and labels (key, value, ...).
func Node(name, cpu, memory string, kv ...string) *v1.Node {
	n := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{v1.LabelHostname: name}}}
	n.Status.Allocatable = v1.ResourceList{v1.ResourcePods: resource.MustParse("110")}
	if cpu != "" {
		n.Status.Allocatable[v1.ResourceCPU] = resource.MustParse(cpu)
	}
	if memory != "" {
		n.Status.Allocatable[v1.ResourceMemory] = resource.MustParse(memory)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Labels[kv[i]] = kv[i+1]
	}
	return n
}

// Pod is a pod in namespace "default" with one container requesting
// cpu/memory (empty: none), labels (key, value, ...), on node (may be "").
func Pod(name, node, cpu, memory string, kv ...string) *v1.Pod {
	c := v1.Container{Name: "c", Image: "pause"}
	if cpu != "" || memory != "" {
		c.Resources.Requests = v1.ResourceList{}
		if cpu != "" {
			c.Resources.Requests[v1.ResourceCPU] = resource.MustParse(cpu)
		}
		if memory != "" {
			c.Resources.Requests[v1.ResourceMemory] = resource.MustParse(memory)
		}
	}
	p := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), Labels: map[string]string{}},
		Spec:       v1.PodSpec{NodeName: node, Containers: []v1.Container{c}},
	}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Labels[kv[i]] = kv[i+1]
	}
	return p
}
