// Package tainttoleration filters out nodes with NoSchedule/NoExecute
// taints the pod does not tolerate and prefers nodes with fewer
// untolerated PreferNoSchedule taints.
package tainttoleration

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/klog/v2"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/plugins/helper"
)

// Name of the plugin.
const Name = "TaintToleration"

// ErrReasonNotMatch is upstream's filter message.
const ErrReasonNotMatch = "node(s) had untolerated taint(s)"

const stateKey fw.StateKey = "PreScore" + Name

// TaintToleration is the plugin.
type TaintToleration struct{}

// New builds the plugin.
func New(context.Context, runtime.Object, fw.Handle) (fw.Plugin, error) {
	return &TaintToleration{}, nil
}

// Name implements Plugin.
func (*TaintToleration) Name() string { return Name }

func tolerated(tolerations []v1.Toleration, t *v1.Taint) bool {
	for i := range tolerations {
		if tolerations[i].ToleratesTaint(klog.Background(), t, true) {
			return true
		}
	}
	return false
}

// Filter implements FilterPlugin.
func (*TaintToleration) Filter(_ context.Context, _ *fw.CycleState, p *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	taints := ni.Node().Spec.Taints
	for i := range taints {
		if helper.DoNotScheduleTaints(&taints[i]) && !tolerated(p.Spec.Tolerations, &taints[i]) {
			return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonNotMatch)
		}
	}
	return nil
}

type preScoreState struct{ tolerations []v1.Toleration }

func (s *preScoreState) Clone() fw.StateData { return s }

// PreScore keeps the tolerations that can match PreferNoSchedule taints.
func (*TaintToleration) PreScore(_ context.Context, state *fw.CycleState, p *v1.Pod, _ []*fw.NodeInfo) *fw.Status {
	var list []v1.Toleration
	for _, t := range p.Spec.Tolerations {
		if t.Effect == "" || t.Effect == v1.TaintEffectPreferNoSchedule {
			list = append(list, t)
		}
	}
	state.Write(stateKey, &preScoreState{list})
	return nil
}

// Score counts untolerated PreferNoSchedule taints (fewer is better
// after the reversed normalisation).
func (*TaintToleration) Score(_ context.Context, state *fw.CycleState, _ *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	s, err := helper.Read[*preScoreState](state, stateKey)
	if err != nil {
		return 0, fw.AsStatus(err)
	}
	var n int64
	taints := ni.Node().Spec.Taints
	for i := range taints {
		if taints[i].Effect == v1.TaintEffectPreferNoSchedule && !tolerated(s.tolerations, &taints[i]) {
			n++
		}
	}
	return n, nil
}

// ScoreExtensions implements ScorePlugin.
func (pl *TaintToleration) ScoreExtensions() fw.ScoreExtensions { return pl }

// NormalizeScore reverses: no untolerated taints scores 100.
func (*TaintToleration) NormalizeScore(_ context.Context, _ *fw.CycleState, _ *v1.Pod, scores []fw.NodeScore) *fw.Status {
	return helper.DefaultNormalizeScore(fw.MaxNodeScore, true, scores)
}
