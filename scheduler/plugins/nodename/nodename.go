// Package nodename filters out every node but the one a pod's
// spec.nodeName names (a pod created with nodeName but not yet bound).
package nodename

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
)

// Name of the plugin.
const Name = "NodeName"

// ErrReason is upstream's message.
const ErrReason = "node(s) didn't match the requested node name"

// NodeName is the filter.
type NodeName struct{}

// New builds the plugin.
func New(context.Context, runtime.Object, fw.Handle) (fw.Plugin, error) { return &NodeName{}, nil }

// Name implements Plugin.
func (*NodeName) Name() string { return Name }

// Filter implements FilterPlugin.
func (*NodeName) Filter(_ context.Context, _ *fw.CycleState, p *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	if p.Spec.NodeName == "" || p.Spec.NodeName == ni.Node().Name {
		return nil
	}
	return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReason)
}
