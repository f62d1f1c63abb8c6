// Package schedulinggates keeps pods with spec.schedulingGates out of
// the active queue until every gate is removed.
package schedulinggates

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
)

// Name of the plugin.
const Name = "SchedulingGates"

// SchedulingGates is the PreEnqueue plugin.
type SchedulingGates struct{}

// New builds the plugin.
func New(context.Context, runtime.Object, fw.Handle) (fw.Plugin, error) {
	return &SchedulingGates{}, nil
}

// Name implements Plugin.
func (*SchedulingGates) Name() string { return Name }

// PreEnqueue implements PreEnqueuePlugin.
func (*SchedulingGates) PreEnqueue(_ context.Context, p *v1.Pod) *fw.Status {
	if len(p.Spec.SchedulingGates) == 0 {
		return nil
	}
	gates := make([]string, 0, len(p.Spec.SchedulingGates))
	for _, g := range p.Spec.SchedulingGates {
		gates = append(gates, g.Name)
	}
	return fw.NewStatus(fw.UnschedulableAndUnresolvable, fmt.Sprintf("waiting for scheduling gates: %v", gates))
}
