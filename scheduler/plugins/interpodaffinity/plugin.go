// Package interpodaffinity is the InterPodAffinity plugin: required pod
// affinity and anti-affinity (the pod's own terms, and existing pods'
// anti-affinity against the pod) filter nodes by topology domain;
// preferred terms, and existing pods' terms, score them.
package interpodaffinity

import (
	"context"
	"math"
	"sync/atomic"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	corelisters "k8s.io/client-go/listers/core/v1"
	configv1 "k8s.io/kube-scheduler/config/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/plugins/helper"
)

// Name of the plugin.
const Name = "InterPodAffinity"

// Upstream's messages.
const (
	ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules"
	ErrReasonAffinityRulesNotMatch             = "node(s) didn't match pod affinity rules"
	ErrReasonAntiAffinityRulesNotMatch         = "node(s) didn't match pod anti-affinity rules"
)

const (
	preFilterKey fw.StateKey = "PreFilter" + Name
	preScoreKey  fw.StateKey = "PreScore" + Name
)

// Plugin is InterPodAffinity.
type Plugin struct {
	h                  fw.Handle
	hardWeight         int32
	ignoreExistingPref bool
	ns                 corelisters.NamespaceLister
}

// New builds the plugin from InterPodAffinityArgs (hardPodAffinityWeight 1).
func New(_ context.Context, obj runtime.Object, h fw.Handle) (fw.Plugin, error) {
	pl := &Plugin{h: h, hardWeight: 1}
	if args, _ := obj.(*configv1.InterPodAffinityArgs); args != nil {
		if args.HardPodAffinityWeight != nil {
			pl.hardWeight = *args.HardPodAffinityWeight
		}
		pl.ignoreExistingPref = args.IgnorePreferredTermsOfExistingPods
	}
	if f := h.SharedInformerFactory(); f != nil {
		pl.ns = f.Core().V1().Namespaces().Lister()
	}
	return pl, nil
}

// Name implements Plugin.
func (*Plugin) Name() string { return Name }

func (pl *Plugin) nsLabels(ns string) labels.Set {
	if pl.ns == nil {
		return nil
	}
	n, err := pl.ns.Get(ns)
	if err != nil {
		return nil
	}
	return n.Labels
}

// mergeNamespaces turns a term's namespaceSelector into namespace names,
// so matching no longer needs namespace labels.
func (pl *Plugin) mergeNamespaces(t *fw.AffinityTerm) {
	if t.NamespaceSelector == nil || pl.ns == nil {
		return
	}
	nss, err := pl.ns.List(t.NamespaceSelector)
	if err != nil {
		return
	}
	merged := t.Namespaces.Clone()
	for _, n := range nss {
		merged.Insert(n.Name)
	}
	t.Namespaces = merged
	t.NamespaceSelector = nil
}

type pair struct{ key, value string }

type counts map[pair]int64

// add adds d to k, making the map on first use (most nodes add nothing).
func (c *counts) add(k pair, d int64) {
	if *c == nil {
		*c = counts{}
	}
	(*c)[k] += d
}

func (c counts) clone() counts {
	out := make(counts, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

type preFilterState struct {
	existingAnti counts
	affinity     counts
	anti         counts
	podInfo      *fw.PodInfo
	nsLabels     labels.Set
}

func (s *preFilterState) Clone() fw.StateData {
	return &preFilterState{existingAnti: s.existingAnti.clone(), affinity: s.affinity.clone(), anti: s.anti.clone(), podInfo: s.podInfo, nsLabels: s.nsLabels}
}

func matchesAll(terms []fw.AffinityTerm, p *v1.Pod, nsLabels labels.Set) bool {
	if len(terms) == 0 {
		return false
	}
	for i := range terms {
		if !terms[i].Matches(p, nsLabels) {
			return false
		}
	}
	return true
}

// updateWithExisting counts, for an existing pod on node, what it adds
// to the three maps (multiplied by delta).
func (s *preFilterState) updateWithExisting(existing *fw.PodInfo, node *v1.Node, incoming *v1.Pod, delta int64) {
	for i := range existing.RequiredAntiAffinityTerms {
		t := &existing.RequiredAntiAffinityTerms[i]
		if v, ok := node.Labels[t.TopologyKey]; ok && t.Matches(incoming, s.nsLabels) {
			s.existingAnti.add(pair{t.TopologyKey, v}, delta)
		}
	}
	if matchesAll(s.podInfo.RequiredAffinityTerms, existing.Pod, nil) {
		for i := range s.podInfo.RequiredAffinityTerms {
			t := &s.podInfo.RequiredAffinityTerms[i]
			if v, ok := node.Labels[t.TopologyKey]; ok {
				s.affinity.add(pair{t.TopologyKey, v}, delta)
			}
		}
	}
	for i := range s.podInfo.RequiredAntiAffinityTerms {
		t := &s.podInfo.RequiredAntiAffinityTerms[i]
		if v, ok := node.Labels[t.TopologyKey]; ok && t.Matches(existing.Pod, nil) {
			s.anti.add(pair{t.TopologyKey, v}, delta)
		}
	}
}

// PreFilter counts the topology domains the pod's terms and the existing
// pods' anti-affinity touch.
func (pl *Plugin) PreFilter(ctx context.Context, state *fw.CycleState, p *v1.Pod, nodes []*fw.NodeInfo) (*fw.PreFilterResult, *fw.Status) {
	pi := fw.NewPodInfo(p)
	if pi.ParseError != nil {
		return nil, fw.NewStatus(fw.UnschedulableAndUnresolvable, "parsing pod: "+pi.ParseError.Error())
	}
	snap := pl.h.Snapshot()
	hasOwn := len(pi.RequiredAffinityTerms) > 0 || len(pi.RequiredAntiAffinityTerms) > 0
	if !hasOwn && len(snap.HavePodsWithRequiredAntiAffinityList) == 0 {
		return nil, fw.NewStatus(fw.Skip)
	}
	for i := range pi.RequiredAffinityTerms {
		pl.mergeNamespaces(&pi.RequiredAffinityTerms[i])
	}
	for i := range pi.RequiredAntiAffinityTerms {
		pl.mergeNamespaces(&pi.RequiredAntiAffinityTerms[i])
	}
	s := &preFilterState{existingAnti: counts{}, affinity: counts{}, anti: counts{}, podInfo: pi, nsLabels: pl.nsLabels(p.Namespace)}
	list := snap.HavePodsWithRequiredAntiAffinityList
	if hasOwn {
		list = nodes
	}
	parts := make([]*preFilterState, len(list))
	parallelize(ctx, pl.h, len(list), func(k int) {
		ni := list[k]
		node := ni.Node()
		if node == nil {
			return
		}
		pods := ni.PodsWithRequiredAntiAffinity
		if hasOwn {
			pods = ni.Pods
		}
		if len(pods) == 0 {
			return
		}
		part := &preFilterState{podInfo: pi, nsLabels: s.nsLabels}
		for _, e := range pods {
			part.updateWithExisting(e, node, p, 1)
		}
		if len(part.existingAnti)+len(part.affinity)+len(part.anti) > 0 {
			parts[k] = part
		}
	})
	for _, part := range parts {
		if part == nil {
			continue
		}
		for k, v := range part.existingAnti {
			s.existingAnti[k] += v
		}
		for k, v := range part.affinity {
			s.affinity[k] += v
		}
		for k, v := range part.anti {
			s.anti[k] += v
		}
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

// AddPod implements PreFilterExtensions.
func (pl *Plugin) AddPod(_ context.Context, state *fw.CycleState, p *v1.Pod, add *fw.PodInfo, ni *fw.NodeInfo) *fw.Status {
	s, err := helper.Read[*preFilterState](state, preFilterKey)
	if err != nil {
		return fw.AsStatus(err)
	}
	s.updateWithExisting(add, ni.Node(), p, 1)
	return nil
}

// RemovePod implements PreFilterExtensions.
func (pl *Plugin) RemovePod(_ context.Context, state *fw.CycleState, p *v1.Pod, rm *fw.PodInfo, ni *fw.NodeInfo) *fw.Status {
	s, err := helper.Read[*preFilterState](state, preFilterKey)
	if err != nil {
		return fw.AsStatus(err)
	}
	s.updateWithExisting(rm, ni.Node(), p, -1)
	return nil
}

// Filter checks the pod's affinity, its anti-affinity, then the existing
// pods' anti-affinity, as upstream.
func (pl *Plugin) Filter(_ context.Context, state *fw.CycleState, p *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	s, err := helper.Read[*preFilterState](state, preFilterKey)
	if err != nil {
		return fw.AsStatus(err)
	}
	node := ni.Node()
	if terms := s.podInfo.RequiredAffinityTerms; len(terms) > 0 {
		exist := true
		for i := range terms {
			v, ok := node.Labels[terms[i].TopologyKey]
			if !ok || s.affinity[pair{terms[i].TopologyKey, v}] <= 0 {
				exist = false
				break
			}
		}
		// The first pod of a group that selects itself may go anywhere
		// that has the topology keys.
		if !exist && !(len(s.affinity) == 0 && matchesAll(terms, p, s.nsLabels) && hasKeys(node, terms)) {
			return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonAffinityRulesNotMatch)
		}
	}
	for i := range s.podInfo.RequiredAntiAffinityTerms {
		t := &s.podInfo.RequiredAntiAffinityTerms[i]
		if v, ok := node.Labels[t.TopologyKey]; ok && s.anti[pair{t.TopologyKey, v}] > 0 {
			return fw.NewStatus(fw.Unschedulable, ErrReasonAntiAffinityRulesNotMatch)
		}
	}
	if len(s.existingAnti) > 0 {
		for k, v := range node.Labels {
			if s.existingAnti[pair{k, v}] > 0 {
				return fw.NewStatus(fw.Unschedulable, ErrReasonExistingAntiAffinityRulesNotMatch)
			}
		}
	}
	return nil
}

func hasKeys(n *v1.Node, terms []fw.AffinityTerm) bool {
	for i := range terms {
		if _, ok := n.Labels[terms[i].TopologyKey]; !ok {
			return false
		}
	}
	return true
}

type preScoreState struct {
	scores map[string]map[string]int64
}

func (s *preScoreState) Clone() fw.StateData { return s }

type scoreMap map[string]map[string]int64

// term adds weight to node's domain of t if t matches p, making the map
// on first use (most nodes add nothing).
func (m *scoreMap) term(t *fw.AffinityTerm, weight int64, p *v1.Pod, nsLabels labels.Set, node *v1.Node) {
	if !t.Matches(p, nsLabels) {
		return
	}
	v, ok := node.Labels[t.TopologyKey]
	if !ok {
		return
	}
	if *m == nil {
		*m = scoreMap{}
	}
	if (*m)[t.TopologyKey] == nil {
		(*m)[t.TopologyKey] = map[string]int64{}
	}
	(*m)[t.TopologyKey][v] += weight
}

// PreScore sums term weights per topology domain.
func (pl *Plugin) PreScore(ctx context.Context, state *fw.CycleState, p *v1.Pod, _ []*fw.NodeInfo) *fw.Status {
	pi := fw.NewPodInfo(p)
	hasPref := len(pi.PreferredAffinityTerms) > 0 || len(pi.PreferredAntiAffinityTerms) > 0
	if pl.ignoreExistingPref && !hasPref {
		return fw.NewStatus(fw.Skip)
	}
	snap := pl.h.Snapshot()
	nodes := snap.HavePodsWithAffinityList
	if hasPref {
		nodes = snap.List()
	}
	for i := range pi.PreferredAffinityTerms {
		pl.mergeNamespaces(&pi.PreferredAffinityTerms[i].AffinityTerm)
	}
	for i := range pi.PreferredAntiAffinityTerms {
		pl.mergeNamespaces(&pi.PreferredAntiAffinityTerms[i].AffinityTerm)
	}
	nsLabels := pl.nsLabels(p.Namespace)
	parts := make([]scoreMap, len(nodes))
	var used atomic.Int32
	parallelize(ctx, pl.h, len(nodes), func(k int) {
		ni := nodes[k]
		node := ni.Node()
		if node == nil || len(node.Labels) == 0 {
			return
		}
		pods := ni.PodsWithAffinity
		if hasPref {
			pods = ni.Pods
		}
		var m scoreMap
		for _, e := range pods {
			for i := range pi.PreferredAffinityTerms {
				m.term(&pi.PreferredAffinityTerms[i].AffinityTerm, int64(pi.PreferredAffinityTerms[i].Weight), e.Pod, nil, node)
			}
			for i := range pi.PreferredAntiAffinityTerms {
				m.term(&pi.PreferredAntiAffinityTerms[i].AffinityTerm, -int64(pi.PreferredAntiAffinityTerms[i].Weight), e.Pod, nil, node)
			}
			if pl.hardWeight > 0 {
				for i := range e.RequiredAffinityTerms {
					m.term(&e.RequiredAffinityTerms[i], int64(pl.hardWeight), p, nsLabels, node)
				}
			}
			if !pl.ignoreExistingPref {
				for i := range e.PreferredAffinityTerms {
					m.term(&e.PreferredAffinityTerms[i].AffinityTerm, int64(e.PreferredAffinityTerms[i].Weight), p, nsLabels, node)
				}
				for i := range e.PreferredAntiAffinityTerms {
					m.term(&e.PreferredAntiAffinityTerms[i].AffinityTerm, -int64(e.PreferredAntiAffinityTerms[i].Weight), p, nsLabels, node)
				}
			}
		}
		if len(m) > 0 {
			parts[k] = m
			used.Add(1)
		}
	})
	if used.Load() == 0 {
		return fw.NewStatus(fw.Skip)
	}
	total := map[string]map[string]int64{}
	for _, m := range parts {
		for k, vs := range m {
			if total[k] == nil {
				total[k] = map[string]int64{}
			}
			for v, n := range vs {
				total[k][v] += n
			}
		}
	}
	state.Write(preScoreKey, &preScoreState{scores: total})
	return nil
}

// Score sums the weights of the node's domains.
func (pl *Plugin) Score(_ context.Context, state *fw.CycleState, _ *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	s, err := helper.Read[*preScoreState](state, preScoreKey)
	if err != nil {
		return 0, fw.AsStatus(err)
	}
	var score int64
	for k, vs := range s.scores {
		if v, ok := ni.Node().Labels[k]; ok {
			score += vs[v]
		}
	}
	return score, nil
}

// ScoreExtensions implements ScorePlugin.
func (pl *Plugin) ScoreExtensions() fw.ScoreExtensions { return pl }

// NormalizeScore maps [min, max] to [0, 100].
func (pl *Plugin) NormalizeScore(_ context.Context, state *fw.CycleState, _ *v1.Pod, scores []fw.NodeScore) *fw.Status {
	s, err := helper.Read[*preScoreState](state, preScoreKey)
	if err != nil {
		return fw.AsStatus(err)
	}
	if len(s.scores) == 0 {
		return nil
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, sc := range scores {
		lo, hi = min(lo, sc.Score), max(hi, sc.Score)
	}
	diff := hi - lo
	for i := range scores {
		f := 0.0
		if diff > 0 {
			f = float64(fw.MaxNodeScore) * float64(scores[i].Score-lo) / float64(diff)
		}
		scores[i].Score = int64(f)
	}
	return nil
}
