package framework

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
)

// NodeInfo is a node with the pods on it and their sums.
type NodeInfo struct {
	node *v1.Node
	Pods []*PodInfo
	// PodsWithAffinity have any pod (anti-)affinity; PodsWithRequiredAntiAffinity
	// have required anti-affinity (what the InterPodAffinity filter checks
	// of existing pods).
	PodsWithAffinity             []*PodInfo
	PodsWithRequiredAntiAffinity []*PodInfo
	UsedPorts                    HostPortInfo
	// Requested sums the pods' requests; NonZeroRequested uses the
	// defaults for unset CPU/memory (for spreading scores).
	Requested        *Resource
	NonZeroRequested *Resource
	Allocatable      *Resource
	// ImageStates are the node's images with how many nodes have them.
	ImageStates map[string]*ImageStateSummary
	// Generation increases with every change; the snapshot copies nodes
	// whose generation moved.
	Generation int64
}

// ImageStateSummary is an image on a node.
type ImageStateSummary struct {
	Size     int64
	NumNodes int
}

// NewNodeInfo returns an empty NodeInfo holding pods.
func NewNodeInfo(pods ...*v1.Pod) *NodeInfo {
	ni := &NodeInfo{Requested: &Resource{}, NonZeroRequested: &Resource{}, Allocatable: &Resource{}, UsedPorts: HostPortInfo{}}
	for _, p := range pods {
		ni.AddPod(p)
	}
	return ni
}

// Node is the node object (nil when only pods are known).
func (n *NodeInfo) Node() *v1.Node { return n.node }

// SetNode sets the node and its allocatable.
func (n *NodeInfo) SetNode(node *v1.Node) {
	n.node = node
	n.Allocatable = NewResource(node.Status.Allocatable)
}

// RemoveNode forgets the node object but keeps its pods.
func (n *NodeInfo) RemoveNode() { n.node = nil }

// Clone copies n so that changing the copy's pods does not change n.
func (n *NodeInfo) Clone() *NodeInfo {
	c := &NodeInfo{
		node:             n.node,
		Requested:        n.Requested.Clone(),
		NonZeroRequested: n.NonZeroRequested.Clone(),
		Allocatable:      n.Allocatable.Clone(),
		ImageStates:      n.ImageStates,
		Generation:       n.Generation,
		UsedPorts:        make(HostPortInfo, len(n.UsedPorts)),
	}
	for k, v := range n.UsedPorts {
		c.UsedPorts[k] = append([]string(nil), v...)
	}
	if len(n.Pods) > 0 {
		c.Pods = append([]*PodInfo(nil), n.Pods...)
	}
	if len(n.PodsWithAffinity) > 0 {
		c.PodsWithAffinity = append([]*PodInfo(nil), n.PodsWithAffinity...)
	}
	if len(n.PodsWithRequiredAntiAffinity) > 0 {
		c.PodsWithRequiredAntiAffinity = append([]*PodInfo(nil), n.PodsWithRequiredAntiAffinity...)
	}
	return c
}

// AddPod adds a pod.
func (n *NodeInfo) AddPod(pod *v1.Pod) { n.AddPodInfo(NewPodInfo(pod)) }

// AddPodInfo adds a derived pod.
func (n *NodeInfo) AddPodInfo(pi *PodInfo) {
	n.Pods = append(n.Pods, pi)
	if hasAffinity(pi) {
		n.PodsWithAffinity = append(n.PodsWithAffinity, pi)
	}
	if len(pi.RequiredAntiAffinityTerms) > 0 {
		n.PodsWithRequiredAntiAffinity = append(n.PodsWithRequiredAntiAffinity, pi)
	}
	n.update(pi, 1)
}

func hasAffinity(pi *PodInfo) bool {
	a := pi.Pod.Spec.Affinity
	return a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil)
}

// RemovePod removes the pod with pod's UID.
func (n *NodeInfo) RemovePod(pod *v1.Pod) error {
	n.PodsWithAffinity = removeFrom(n.PodsWithAffinity, pod)
	n.PodsWithRequiredAntiAffinity = removeFrom(n.PodsWithRequiredAntiAffinity, pod)
	for i, p := range n.Pods {
		if p.Pod.UID == pod.UID {
			last := len(n.Pods) - 1
			n.Pods[i] = n.Pods[last]
			n.Pods[last] = nil
			n.Pods = n.Pods[:last]
			n.update(p, -1)
			return nil
		}
	}
	name := "<nil>"
	if n.node != nil {
		name = n.node.Name
	}
	return fmt.Errorf("no pod %s/%s on node %s", pod.Namespace, pod.Name, name)
}

func removeFrom(list []*PodInfo, pod *v1.Pod) []*PodInfo {
	for i, p := range list {
		if p.Pod.UID == pod.UID {
			last := len(list) - 1
			list[i] = list[last]
			list[last] = nil
			return list[:last]
		}
	}
	return list
}

func (n *NodeInfo) update(pi *PodInfo, sign int64) {
	n.Requested.addResource(&pi.Requests, sign)
	n.NonZeroRequested.MilliCPU += sign * pi.NonZeroCPU
	n.NonZeroRequested.Memory += sign * pi.NonZeroMemory
	for i := range pi.Pod.Spec.Containers {
		for _, p := range pi.Pod.Spec.Containers[i].Ports {
			if p.HostPort <= 0 {
				continue
			}
			if sign > 0 {
				n.UsedPorts.Add(p.HostIP, string(p.Protocol), p.HostPort)
			} else {
				n.UsedPorts.Remove(p.HostIP, string(p.Protocol), p.HostPort)
			}
		}
	}
	for i := range pi.Pod.Spec.InitContainers {
		c := &pi.Pod.Spec.InitContainers[i]
		if c.RestartPolicy == nil || *c.RestartPolicy != v1.ContainerRestartPolicyAlways {
			continue
		}
		for _, p := range c.Ports {
			if p.HostPort <= 0 {
				continue
			}
			if sign > 0 {
				n.UsedPorts.Add(p.HostIP, string(p.Protocol), p.HostPort)
			} else {
				n.UsedPorts.Remove(p.HostIP, string(p.Protocol), p.HostPort)
			}
		}
	}
}

// HostPortInfo maps "protocol/port" to the host IPs using it.
type HostPortInfo map[string][]string

func portKey(protocol string, port int32) string {
	if protocol == "" {
		protocol = string(v1.ProtocolTCP)
	}
	return fmt.Sprintf("%s/%d", protocol, port)
}

func normIP(ip string) string {
	if ip == "" {
		return "0.0.0.0"
	}
	return ip
}

// Add records a used port.
func (h HostPortInfo) Add(ip, protocol string, port int32) {
	k := portKey(protocol, port)
	h[k] = append(h[k], normIP(ip))
}

// Remove forgets one use of a port.
func (h HostPortInfo) Remove(ip, protocol string, port int32) {
	k := portKey(protocol, port)
	ip = normIP(ip)
	list := h[k]
	for i, v := range list {
		if v == ip {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(h, k)
	} else {
		h[k] = list
	}
}

// CheckConflict is true when ip:port/protocol collides with a used port;
// 0.0.0.0 collides with every address.
func (h HostPortInfo) CheckConflict(ip, protocol string, port int32) bool {
	if port <= 0 {
		return false
	}
	list, ok := h[portKey(protocol, port)]
	if !ok {
		return false
	}
	ip = normIP(ip)
	if ip == "0.0.0.0" {
		return true
	}
	for _, v := range list {
		if v == ip || v == "0.0.0.0" {
			return true
		}
	}
	return false
}
