package framework

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
)

// Snapshot is an immutable-per-cycle view of the cluster's nodes: plugins
// read it during one scheduling cycle while the cache goes on changing.
type Snapshot struct {
	NodeInfoMap map[string]*NodeInfo
	// NodeInfoList is every node in a stable order (zones interleaved, as
	// upstream, so that a partial search still spreads across zones).
	NodeInfoList []*NodeInfo
	// Lists of the nodes holding pods with (required anti-)affinity.
	HavePodsWithAffinityList             []*NodeInfo
	HavePodsWithRequiredAntiAffinityList []*NodeInfo
	// Generation is the cache generation the snapshot reflects.
	Generation int64
}

// NewEmptySnapshot returns an empty snapshot.
func NewEmptySnapshot() *Snapshot {
	return &Snapshot{NodeInfoMap: map[string]*NodeInfo{}}
}

// NewSnapshot builds a snapshot from objects (for tests and tools).
func NewSnapshot(pods []*v1.Pod, nodes []*v1.Node) *Snapshot {
	s := NewEmptySnapshot()
	for _, n := range nodes {
		ni := NewNodeInfo()
		ni.SetNode(n)
		s.NodeInfoMap[n.Name] = ni
		s.NodeInfoList = append(s.NodeInfoList, ni)
	}
	for _, p := range pods {
		if ni, ok := s.NodeInfoMap[p.Spec.NodeName]; ok {
			ni.AddPod(p)
		}
	}
	s.RebuildAffinityLists()
	return s
}

// RebuildAffinityLists recomputes the affinity node lists.
func (s *Snapshot) RebuildAffinityLists() {
	s.HavePodsWithAffinityList = s.HavePodsWithAffinityList[:0]
	s.HavePodsWithRequiredAntiAffinityList = s.HavePodsWithRequiredAntiAffinityList[:0]
	for _, ni := range s.NodeInfoList {
		if len(ni.PodsWithAffinity) > 0 {
			s.HavePodsWithAffinityList = append(s.HavePodsWithAffinityList, ni)
		}
		if len(ni.PodsWithRequiredAntiAffinity) > 0 {
			s.HavePodsWithRequiredAntiAffinityList = append(s.HavePodsWithRequiredAntiAffinityList, ni)
		}
	}
}

// List is every node.
func (s *Snapshot) List() []*NodeInfo { return s.NodeInfoList }

// Get returns one node.
func (s *Snapshot) Get(name string) (*NodeInfo, error) {
	if ni, ok := s.NodeInfoMap[name]; ok && ni.Node() != nil {
		return ni, nil
	}
	return nil, fmt.Errorf("nodeinfo not found for node name %q", name)
}

// NumNodes is how many nodes the snapshot holds.
func (s *Snapshot) NumNodes() int { return len(s.NodeInfoList) }
