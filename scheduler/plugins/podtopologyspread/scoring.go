package podtopologyspread

import (
	"context"
	"math"
	"sync/atomic"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/plugins/helper"
)

const preScoreKey fw.StateKey = "PreScore" + Name

const invalidScore = -1

type preScoreState struct {
	constraints []constraint
	ignored     sets.Set[string]
	counts      []map[string]*int64
	weights     []float64
}

func (s *preScoreState) Clone() fw.StateData { return s }

// PreScore counts matching pods per domain of the soft constraints over
// all nodes, for the domains of the feasible nodes.
func (pl *Plugin) PreScore(ctx context.Context, state *fw.CycleState, p *v1.Pod, filtered []*fw.NodeInfo) *fw.Status {
	all := pl.h.Snapshot().List()
	if len(all) == 0 {
		return fw.NewStatus(fw.Skip)
	}
	cs, err := pl.podConstraints(p, v1.ScheduleAnyway)
	if err != nil {
		return fw.AsStatus(err)
	}
	if len(cs) == 0 {
		return fw.NewStatus(fw.Skip)
	}
	requireAll := len(p.Spec.TopologySpreadConstraints) > 0 || !pl.systemDefaulted
	s := &preScoreState{constraints: cs, ignored: sets.New[string](), counts: make([]map[string]*int64, len(cs)), weights: make([]float64, len(cs))}
	sizes := make([]int, len(cs))
	for i := range cs {
		s.counts[i] = map[string]*int64{}
	}
	for _, ni := range filtered {
		n := ni.Node()
		if requireAll && !hasAllKeys(n.Labels, cs) {
			s.ignored.Insert(n.Name)
			continue
		}
		for i, c := range cs {
			if c.key == v1.LabelHostname {
				continue
			}
			v := n.Labels[c.key]
			if s.counts[i][v] == nil {
				s.counts[i][v] = new(int64)
				sizes[i]++
			}
		}
	}
	for i, c := range cs {
		sz := sizes[i]
		if c.key == v1.LabelHostname {
			sz = len(filtered) - s.ignored.Len()
		}
		s.weights[i] = math.Log(float64(sz + 2))
	}
	req := nodeaffinity.GetRequiredNodeAffinity(p)
	parallelize(ctx, pl.h, len(all), func(k int) {
		n := all[k].Node()
		if n == nil || requireAll && !hasAllKeys(n.Labels, cs) {
			return
		}
		for i, c := range cs {
			if !c.includes(p, n, req) {
				continue
			}
			cnt := s.counts[i][n.Labels[c.key]]
			if cnt == nil {
				continue
			}
			atomic.AddInt64(cnt, int64(countMatching(all[k].Pods, c.selector, p.Namespace)))
		}
	})
	state.Write(preScoreKey, s)
	return nil
}

// Score sums, per constraint, the matching pods in the node's domain
// (weighted by the log of the number of domains) plus maxSkew-1.
func (pl *Plugin) Score(_ context.Context, state *fw.CycleState, p *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	s, err := helper.Read[*preScoreState](state, preScoreKey)
	if err != nil {
		return 0, fw.AsStatus(err)
	}
	n := ni.Node()
	if s.ignored.Has(n.Name) {
		return 0, nil
	}
	var score float64
	for i, c := range s.constraints {
		v, ok := n.Labels[c.key]
		if !ok {
			continue
		}
		var cnt int64
		if c.key == v1.LabelHostname {
			cnt = int64(countMatching(ni.Pods, c.selector, p.Namespace))
		} else if ptr := s.counts[i][v]; ptr != nil {
			cnt = *ptr
		}
		score += float64(cnt)*s.weights[i] + float64(c.maxSkew-1)
	}
	return int64(math.Round(score)), nil
}

// ScoreExtensions implements ScorePlugin.
func (pl *Plugin) ScoreExtensions() fw.ScoreExtensions { return pl }

// NormalizeScore maps fewer matching pods to higher scores; ignored nodes
// score 0.
func (pl *Plugin) NormalizeScore(_ context.Context, state *fw.CycleState, _ *v1.Pod, scores []fw.NodeScore) *fw.Status {
	s, err := helper.Read[*preScoreState](state, preScoreKey)
	if err != nil {
		return fw.AsStatus(err)
	}
	minScore, maxScore := int64(math.MaxInt64), int64(0)
	for i, sc := range scores {
		if s.ignored.Has(sc.Name) {
			scores[i].Score = invalidScore
			continue
		}
		minScore = min(minScore, sc.Score)
		maxScore = max(maxScore, sc.Score)
	}
	for i := range scores {
		switch {
		case scores[i].Score == invalidScore:
			scores[i].Score = 0
		case maxScore == 0:
			scores[i].Score = fw.MaxNodeScore
		default:
			scores[i].Score = fw.MaxNodeScore * (maxScore + minScore - scores[i].Score) / maxScore
		}
	}
	return nil
}
