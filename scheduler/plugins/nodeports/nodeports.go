// Package nodeports filters out nodes where a pod's hostPorts are taken.
package nodeports

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/plugins/helper"
)

// Name of the plugin.
const Name = "NodePorts"

// ErrReason is upstream's message.
const ErrReason = "node(s) didn't have free ports for the requested pod ports"

const stateKey fw.StateKey = "PreFilter" + Name

// NodePorts is the plugin.
type NodePorts struct{}

// New builds the plugin.
func New(context.Context, runtime.Object, fw.Handle) (fw.Plugin, error) { return &NodePorts{}, nil }

// Name implements Plugin.
func (*NodePorts) Name() string { return Name }

type preFilterState []v1.ContainerPort

func (s preFilterState) Clone() fw.StateData { return s }

// HostPorts lists the pod's ports with a hostPort (including restartable
// init containers, which run alongside the app).
func HostPorts(p *v1.Pod) []v1.ContainerPort {
	var out []v1.ContainerPort
	for i := range p.Spec.InitContainers {
		c := &p.Spec.InitContainers[i]
		if c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways {
			for _, port := range c.Ports {
				if port.HostPort > 0 {
					out = append(out, port)
				}
			}
		}
	}
	for i := range p.Spec.Containers {
		for _, port := range p.Spec.Containers[i].Ports {
			if port.HostPort > 0 {
				out = append(out, port)
			}
		}
	}
	return out
}

// PreFilter collects the wanted ports; Skip when there are none.
func (*NodePorts) PreFilter(_ context.Context, state *fw.CycleState, p *v1.Pod, _ []*fw.NodeInfo) (*fw.PreFilterResult, *fw.Status) {
	ports := HostPorts(p)
	if len(ports) == 0 {
		return nil, fw.NewStatus(fw.Skip)
	}
	state.Write(stateKey, preFilterState(ports))
	return nil, nil
}

// PreFilterExtensions implements PreFilterPlugin.
func (*NodePorts) PreFilterExtensions() fw.PreFilterExtensions { return nil }

// Filter implements FilterPlugin.
func (*NodePorts) Filter(_ context.Context, state *fw.CycleState, p *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	ports, err := helper.Read[preFilterState](state, stateKey)
	if err != nil {
		ports = HostPorts(p)
	}
	for _, port := range ports {
		if ni.UsedPorts.CheckConflict(port.HostIP, string(port.Protocol), port.HostPort) {
			return fw.NewStatus(fw.Unschedulable, ErrReason)
		}
	}
	return nil
}
