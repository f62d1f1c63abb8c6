// Package nodeaffinity filters nodes by a pod's nodeSelector and required
// node affinity, and scores them by its preferred node affinity terms.
package nodeaffinity

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	configv1 "k8s.io/kube-scheduler/config/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/plugins/helper"
)

// Name of the plugin.
const Name = "NodeAffinity"

// Upstream's messages.
const (
	ErrReasonPod      = "node(s) didn't match Pod's node affinity/selector"
	ErrReasonEnforced = "node(s) didn't match scheduler-enforced node affinity"
	ErrReasonConflict = "pod affinity terms conflict"
)

const (
	preFilterKey fw.StateKey = "PreFilter" + Name
	preScoreKey  fw.StateKey = "PreScore" + Name
)

// NodeAffinity is the plugin; args.addedAffinity applies to every pod.
type NodeAffinity struct {
	added      *nodeaffinity.NodeSelector
	addedTerms *nodeaffinity.PreferredSchedulingTerms
}

// New builds the plugin from NodeAffinityArgs (optional).
func New(_ context.Context, obj runtime.Object, _ fw.Handle) (fw.Plugin, error) {
	pl := &NodeAffinity{}
	args, _ := obj.(*configv1.NodeAffinityArgs)
	if args == nil || args.AddedAffinity == nil {
		return pl, nil
	}
	var err error
	if ns := args.AddedAffinity.RequiredDuringSchedulingIgnoredDuringExecution; ns != nil {
		if pl.added, err = nodeaffinity.NewNodeSelector(ns); err != nil {
			return nil, fmt.Errorf("parsing addedAffinity.requiredDuringSchedulingIgnoredDuringExecution: %w", err)
		}
	}
	if t := args.AddedAffinity.PreferredDuringSchedulingIgnoredDuringExecution; len(t) > 0 {
		if pl.addedTerms, err = nodeaffinity.NewPreferredSchedulingTerms(t); err != nil {
			return nil, fmt.Errorf("parsing addedAffinity.preferredDuringSchedulingIgnoredDuringExecution: %w", err)
		}
	}
	return pl, nil
}

// Name implements Plugin.
func (*NodeAffinity) Name() string { return Name }

type preFilterState struct {
	required nodeaffinity.RequiredNodeAffinity
}

func (s *preFilterState) Clone() fw.StateData { return s }

func requiredTerms(p *v1.Pod) *v1.NodeSelector {
	if a := p.Spec.Affinity; a != nil && a.NodeAffinity != nil {
		return a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	}
	return nil
}

// PreFilter parses the selector once, and narrows the nodes when the
// terms pin metadata.name (as DaemonSet pods do).
func (pl *NodeAffinity) PreFilter(_ context.Context, state *fw.CycleState, p *v1.Pod, _ []*fw.NodeInfo) (*fw.PreFilterResult, *fw.Status) {
	req := requiredTerms(p)
	if req == nil && pl.added == nil && p.Spec.NodeSelector == nil {
		return nil, fw.NewStatus(fw.Skip)
	}
	state.Write(preFilterKey, &preFilterState{required: nodeaffinity.GetRequiredNodeAffinity(p)})
	if req == nil || len(req.NodeSelectorTerms) == 0 {
		return nil, nil
	}
	var names sets.Set[string]
	for _, t := range req.NodeSelectorTerms {
		var termNames sets.Set[string]
		for _, r := range t.MatchFields {
			if r.Key == metav1.ObjectNameField && r.Operator == v1.NodeSelectorOpIn {
				s := sets.New(r.Values...)
				if termNames == nil {
					termNames = s
				} else {
					termNames = termNames.Intersection(s)
				}
			}
		}
		if termNames == nil {
			return nil, nil
		}
		names = names.Union(termNames)
	}
	if names != nil && names.Len() == 0 {
		return nil, fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonConflict)
	}
	if names.Len() > 0 {
		return &fw.PreFilterResult{NodeNames: names}, nil
	}
	return nil, nil
}

// PreFilterExtensions implements PreFilterPlugin.
func (*NodeAffinity) PreFilterExtensions() fw.PreFilterExtensions { return nil }

// Filter implements FilterPlugin.
func (pl *NodeAffinity) Filter(_ context.Context, state *fw.CycleState, p *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	node := ni.Node()
	if pl.added != nil && !pl.added.Match(node) {
		return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonEnforced)
	}
	s, err := helper.Read[*preFilterState](state, preFilterKey)
	if err != nil {
		s = &preFilterState{required: nodeaffinity.GetRequiredNodeAffinity(p)}
	}
	if ok, _ := s.required.Match(node); !ok {
		return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonPod)
	}
	return nil
}

type preScoreState struct {
	preferred *nodeaffinity.PreferredSchedulingTerms
}

func (s *preScoreState) Clone() fw.StateData { return s }

// PreScore parses the preferred terms once.
func (pl *NodeAffinity) PreScore(_ context.Context, state *fw.CycleState, p *v1.Pod, _ []*fw.NodeInfo) *fw.Status {
	var terms []v1.PreferredSchedulingTerm
	if a := p.Spec.Affinity; a != nil && a.NodeAffinity != nil {
		terms = a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	}
	if len(terms) == 0 && pl.addedTerms == nil {
		return fw.NewStatus(fw.Skip)
	}
	s := &preScoreState{}
	if len(terms) > 0 {
		var err error
		if s.preferred, err = nodeaffinity.NewPreferredSchedulingTerms(terms); err != nil {
			return fw.AsStatus(err)
		}
	}
	state.Write(preScoreKey, s)
	return nil
}

// Score sums the weights of the matching preferred terms.
func (pl *NodeAffinity) Score(_ context.Context, state *fw.CycleState, _ *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	var n int64
	if pl.addedTerms != nil {
		n += pl.addedTerms.Score(ni.Node())
	}
	if s, err := helper.Read[*preScoreState](state, preScoreKey); err == nil && s.preferred != nil {
		n += s.preferred.Score(ni.Node())
	}
	return n, nil
}

// ScoreExtensions implements ScorePlugin.
func (pl *NodeAffinity) ScoreExtensions() fw.ScoreExtensions { return pl }

// NormalizeScore scales to [0, 100].
func (*NodeAffinity) NormalizeScore(_ context.Context, _ *fw.CycleState, _ *v1.Pod, scores []fw.NodeScore) *fw.Status {
	return helper.DefaultNormalizeScore(fw.MaxNodeScore, false, scores)
}
