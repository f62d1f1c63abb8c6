package scheduler

import (
	"fmt"
	"sync"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/plugins/imagelocality"
)

// cache is the scheduler's view of nodes and the pods on them, including
// pods it has assumed onto a node while their binding is in flight. Every
// change bumps the NodeInfo's generation so the per-cycle snapshot copies
// only what changed.
type cache struct {
	mu         sync.RWMutex
	nodes      map[string]*fw.NodeInfo
	pods       map[types.UID]*podState
	generation int64
	// nodesChanged: a node was added or removed since the last snapshot.
	nodesChanged bool
	// zones keeps node names per zone in insertion order, to interleave
	// zones in the snapshot's node list.
	zoneOf map[string]string
	// dirty names the nodes changed (or removed) since the last snapshot,
	// so a scheduling cycle copies those, not every node.
	dirty map[string]struct{}
}

type podState struct {
	pod     *v1.Pod
	assumed bool
	// bound: the binding call returned (an assumed pod awaits the informer).
	bound bool
}

func newCache() *cache {
	return &cache{nodes: map[string]*fw.NodeInfo{}, pods: map[types.UID]*podState{}, zoneOf: map[string]string{}, dirty: map[string]struct{}{}}
}

func (c *cache) nodeInfo(name string) *fw.NodeInfo {
	ni, ok := c.nodes[name]
	if !ok {
		ni = fw.NewNodeInfo()
		c.nodes[name] = ni
	}
	return ni
}

func (c *cache) touch(name string, ni *fw.NodeInfo) {
	c.generation++
	ni.Generation = c.generation
	c.dirty[name] = struct{}{}
}

func zoneKey(n *v1.Node) string {
	region := n.Labels[v1.LabelTopologyRegion]
	zone := n.Labels[v1.LabelTopologyZone]
	if region == "" && zone == "" {
		return ""
	}
	return region + ":\x00:" + zone
}

func (c *cache) addOrUpdateNode(n *v1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ni, ok := c.nodes[n.Name]
	if !ok || ni.Node() == nil {
		c.nodesChanged = true
	}
	ni = c.nodeInfo(n.Name)
	if z := zoneKey(n); c.zoneOf[n.Name] != z || !ok {
		c.zoneOf[n.Name] = z
		c.nodesChanged = true
	}
	ni.SetNode(n)
	ni.ImageStates = imageStates(n)
	c.touch(n.Name, ni)
}

func imageStates(n *v1.Node) map[string]*fw.ImageStateSummary {
	if len(n.Status.Images) == 0 {
		return nil
	}
	out := make(map[string]*fw.ImageStateSummary, len(n.Status.Images))
	for _, img := range n.Status.Images {
		for _, name := range img.Names {
			out[imagelocality.NormalizedImageName(name)] = &fw.ImageStateSummary{Size: img.SizeBytes}
		}
	}
	return out
}

func (c *cache) removeNode(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ni, ok := c.nodes[name]
	if !ok {
		return
	}
	c.nodesChanged = true
	delete(c.zoneOf, name)
	if len(ni.Pods) == 0 {
		delete(c.nodes, name)
		c.dirty[name] = struct{}{}
		return
	}
	// Pods stay accounted until their own deletion arrives.
	ni.RemoveNode()
	c.touch(name, ni)
}

// addPod records an assigned pod seen by the informer, confirming an
// assumed one.
func (c *cache) addPod(p *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.pods[p.UID]; ok {
		if st.assumed {
			c.removePodLocked(st.pod)
		} else {
			return
		}
	}
	c.addPodLocked(p)
	c.pods[p.UID] = &podState{pod: p}
}

func (c *cache) addPodLocked(p *v1.Pod) {
	ni := c.nodeInfo(p.Spec.NodeName)
	ni.AddPod(p)
	c.touch(p.Spec.NodeName, ni)
}

func (c *cache) removePodLocked(p *v1.Pod) {
	ni, ok := c.nodes[p.Spec.NodeName]
	if !ok {
		return
	}
	_ = ni.RemovePod(p)
	c.touch(p.Spec.NodeName, ni)
	if ni.Node() == nil && len(ni.Pods) == 0 {
		delete(c.nodes, p.Spec.NodeName)
	}
}

func (c *cache) updatePod(p *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.pods[p.UID]; ok {
		c.removePodLocked(st.pod)
	}
	c.addPodLocked(p)
	c.pods[p.UID] = &podState{pod: p}
}

func (c *cache) removePod(p *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.pods[p.UID]
	if !ok {
		return
	}
	c.removePodLocked(st.pod)
	delete(c.pods, p.UID)
}

// assume places p (with spec.nodeName set) on its node before binding.
func (c *cache) assume(p *v1.Pod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pods[p.UID]; ok {
		return fmt.Errorf("pod %s/%s is in the cache, so can't be assumed", p.Namespace, p.Name)
	}
	c.addPodLocked(p)
	c.pods[p.UID] = &podState{pod: p, assumed: true}
	return nil
}

// forget undoes assume after a failed binding.
func (c *cache) forget(p *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.pods[p.UID]; ok && st.assumed {
		c.removePodLocked(st.pod)
		delete(c.pods, p.UID)
	}
}

func (c *cache) isAssumed(uid types.UID) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	st, ok := c.pods[uid]
	return ok && st.assumed
}

// updateSnapshot copies the nodes that changed since s was last updated.
func (c *cache) updateSnapshot(s *fw.Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.generation == s.Generation && !c.nodesChanged {
		return
	}
	affinityChanged := false
	for name := range c.dirty {
		ni, ok := c.nodes[name]
		if !ok {
			delete(s.NodeInfoMap, name)
			continue
		}
		if ni.Generation <= s.Generation {
			continue
		}
		old := s.NodeInfoMap[name]
		clone := ni.Clone()
		if old == nil || len(old.PodsWithAffinity) != len(clone.PodsWithAffinity) || len(old.PodsWithRequiredAntiAffinity) != len(clone.PodsWithRequiredAntiAffinity) || len(clone.PodsWithAffinity) > 0 {
			affinityChanged = true
		}
		if old != nil && old.Node() != nil && clone.Node() != nil {
			// Replace in place so the ordered list stays valid.
			*old = *clone
			continue
		}
		s.NodeInfoMap[name] = clone
	}
	clear(c.dirty)
	if c.nodesChanged {
		c.rebuildList(s)
		affinityChanged = true
	}
	if affinityChanged {
		s.RebuildAffinityLists()
	}
	s.Generation = c.generation
}

// rebuildList orders nodes zone by zone, round-robin, so the first nodes
// the filter reaches come from every zone (upstream's node tree).
func (c *cache) rebuildList(s *fw.Snapshot) {
	zones := map[string][]string{}
	var order []string
	for name, ni := range c.nodes {
		if ni.Node() == nil {
			continue
		}
		z := c.zoneOf[name]
		if _, ok := zones[z]; !ok {
			order = append(order, z)
		}
		zones[z] = append(zones[z], name)
	}
	sortStrings(order)
	for _, z := range order {
		sortStrings(zones[z])
	}
	s.NodeInfoList = s.NodeInfoList[:0]
	for i := 0; ; i++ {
		added := false
		for _, z := range order {
			if i < len(zones[z]) {
				s.NodeInfoList = append(s.NodeInfoList, s.NodeInfoMap[zones[z][i]])
				added = true
			}
		}
		if !added {
			break
		}
	}
	c.nodesChanged = false
}
