// Package nodeunschedulable filters out cordoned nodes
// (spec.unschedulable) unless the pod tolerates the unschedulable taint.
package nodeunschedulable

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/klog/v2"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
)

// Name of the plugin.
const Name = "NodeUnschedulable"

// ErrReasonUnschedulable is upstream's message.
const ErrReasonUnschedulable = "node(s) were unschedulable"

// NodeUnschedulable is the filter.
type NodeUnschedulable struct{}

// New builds the plugin.
func New(context.Context, runtime.Object, fw.Handle) (fw.Plugin, error) {
	return &NodeUnschedulable{}, nil
}

// Name implements Plugin.
func (*NodeUnschedulable) Name() string { return Name }

var unschedulableTaint = v1.Taint{Key: v1.TaintNodeUnschedulable, Effect: v1.TaintEffectNoSchedule}

// Filter implements FilterPlugin.
func (*NodeUnschedulable) Filter(_ context.Context, _ *fw.CycleState, p *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	if !ni.Node().Spec.Unschedulable {
		return nil
	}
	for i := range p.Spec.Tolerations {
		if p.Spec.Tolerations[i].ToleratesTaint(klog.Background(), &unschedulableTaint, true) {
			return nil
		}
	}
	return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonUnschedulable)
}
