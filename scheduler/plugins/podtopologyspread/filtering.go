package podtopologyspread

import (
	"context"
	"math"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/plugins/helper"
)

const preFilterKey fw.StateKey = "PreFilter" + Name

// preFilterState counts, per hard constraint, the matching pods in each
// domain, and the minimum over the domains.
type preFilterState struct {
	constraints []constraint
	counts      []map[string]int
	min         []int
	req         nodeaffinity.RequiredNodeAffinity
}

func (s *preFilterState) Clone() fw.StateData {
	c := &preFilterState{constraints: s.constraints, req: s.req, min: append([]int(nil), s.min...)}
	c.counts = make([]map[string]int, len(s.counts))
	for i, m := range s.counts {
		c.counts[i] = make(map[string]int, len(m))
		for k, v := range m {
			c.counts[i][k] = v
		}
	}
	return c
}

func (s *preFilterState) recomputeMin(i int) {
	m := math.MaxInt
	for _, v := range s.counts[i] {
		if v < m {
			m = v
		}
	}
	s.min[i] = m
}

// minMatch is the global minimum, 0 when there are fewer domains than
// minDomains.
func (s *preFilterState) minMatch(i int) int {
	if len(s.counts[i]) < int(s.constraints[i].minDomains) {
		return 0
	}
	return s.min[i]
}

// PreFilter counts matching pods per domain over every eligible node.
func (pl *Plugin) PreFilter(ctx context.Context, state *fw.CycleState, p *v1.Pod, nodes []*fw.NodeInfo) (*fw.PreFilterResult, *fw.Status) {
	cs, err := pl.podConstraints(p, v1.DoNotSchedule)
	if err != nil {
		return nil, fw.AsStatus(err)
	}
	if len(cs) == 0 {
		return nil, fw.NewStatus(fw.Skip)
	}
	s := &preFilterState{constraints: cs, counts: make([]map[string]int, len(cs)), min: make([]int, len(cs)), req: nodeaffinity.GetRequiredNodeAffinity(p)}
	for i := range cs {
		s.counts[i] = map[string]int{}
	}
	// One slot per node and constraint (one allocation per cycle, not one
	// per node); n < 0 marks a node the constraint does not count.
	type tc struct {
		value string
		n     int
	}
	slots := make([]tc, len(nodes)*len(cs))
	parallelize(ctx, pl.h, len(nodes), func(k int) {
		row := slots[k*len(cs) : (k+1)*len(cs)]
		node := nodes[k].Node()
		if node == nil || !hasAllKeys(node.Labels, cs) {
			for i := range row {
				row[i].n = -1
			}
			return
		}
		for i := range cs {
			if !cs[i].includes(p, node, s.req) {
				row[i].n = -1
				continue
			}
			row[i] = tc{node.Labels[cs[i].key], countMatching(nodes[k].Pods, cs[i].selector, p.Namespace)}
		}
	})
	for k, c := range slots {
		if c.n >= 0 {
			s.counts[k%len(cs)][c.value] += c.n
		}
	}
	for i := range cs {
		s.recomputeMin(i)
	}
	state.Write(preFilterKey, s)
	return nil, nil
}

func parallelize(ctx context.Context, h fw.Handle, n int, work func(int)) {
	if f, ok := h.(interface {
		Parallelize(context.Context, int, func(int))
	}); ok {
		f.Parallelize(ctx, n, work)
		return
	}
	for i := 0; i < n; i++ {
		work(i)
	}
}

// PreFilterExtensions implements PreFilterPlugin.
func (pl *Plugin) PreFilterExtensions() fw.PreFilterExtensions { return pl }

func (pl *Plugin) update(state *fw.CycleState, pod *v1.Pod, other *fw.PodInfo, ni *fw.NodeInfo, delta int) *fw.Status {
	s, err := helper.Read[*preFilterState](state, preFilterKey)
	if err != nil {
		return fw.AsStatus(err)
	}
	node := ni.Node()
	if other.Pod.Namespace != pod.Namespace || node == nil || !hasAllKeys(node.Labels, s.constraints) {
		return nil
	}
	for i, c := range s.constraints {
		if !c.includes(pod, node, s.req) || !c.selector.Matches(labels.Set(other.Pod.Labels)) {
			continue
		}
		s.counts[i][node.Labels[c.key]] += delta
		s.recomputeMin(i)
	}
	return nil
}

// AddPod implements PreFilterExtensions.
func (pl *Plugin) AddPod(_ context.Context, state *fw.CycleState, pod *v1.Pod, add *fw.PodInfo, ni *fw.NodeInfo) *fw.Status {
	return pl.update(state, pod, add, ni, 1)
}

// RemovePod implements PreFilterExtensions.
func (pl *Plugin) RemovePod(_ context.Context, state *fw.CycleState, pod *v1.Pod, rm *fw.PodInfo, ni *fw.NodeInfo) *fw.Status {
	return pl.update(state, pod, rm, ni, -1)
}

// Filter rejects nodes lacking a constraint's key and nodes whose domain
// would exceed maxSkew.
func (pl *Plugin) Filter(_ context.Context, state *fw.CycleState, p *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	s, err := helper.Read[*preFilterState](state, preFilterKey)
	if err != nil {
		return fw.AsStatus(err)
	}
	node := ni.Node()
	podLabels := labels.Set(p.Labels)
	for i, c := range s.constraints {
		value, ok := node.Labels[c.key]
		if !ok {
			return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonNodeLabelNotMatch)
		}
		self := 0
		if c.selector.Matches(podLabels) {
			self = 1
		}
		if s.counts[i][value]+self-s.minMatch(i) > int(c.maxSkew) {
			return fw.NewStatus(fw.Unschedulable, ErrReasonConstraintsNotMatch)
		}
	}
	return nil
}
