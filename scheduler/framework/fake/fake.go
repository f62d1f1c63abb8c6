// Package fake is a framework.Handle for plugin unit tests: a fixed
// snapshot, optional clients, and filters run from a list of plugins.
package fake

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/events"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
)

// Handle implements framework.Handle.
type Handle struct {
	Snap      *fw.Snapshot
	Client    kubernetes.Interface
	Factory   informers.SharedInformerFactory
	Recorder  events.EventRecorder
	Nominated map[string][]*fw.PodInfo
	// PreFilters and Filters are what RunFilterPluginsWithNominatedPods
	// and the PreFilter extensions run.
	PreFilters []fw.PreFilterPlugin
	Filters    []fw.FilterPlugin
}

// NewHandle returns a handle over a snapshot of pods and nodes.
func NewHandle(pods []*v1.Pod, nodes []*v1.Node) *Handle {
	return &Handle{Snap: fw.NewSnapshot(pods, nodes)}
}

// Snapshot implements Handle.
func (h *Handle) Snapshot() *fw.Snapshot { return h.Snap }

// ClientSet implements Handle.
func (h *Handle) ClientSet() kubernetes.Interface { return h.Client }

// SharedInformerFactory implements Handle.
func (h *Handle) SharedInformerFactory() informers.SharedInformerFactory { return h.Factory }

// EventRecorder implements Handle.
func (h *Handle) EventRecorder() events.EventRecorder { return h.Recorder }

// Parallelism implements Handle.
func (h *Handle) Parallelism() int { return 1 }

// NominatedPodsForNode implements Handle.
func (h *Handle) NominatedPodsForNode(n string) []*fw.PodInfo { return h.Nominated[n] }

// RunFilterPluginsWithNominatedPods runs Filters (nominated pods ignored).
func (h *Handle) RunFilterPluginsWithNominatedPods(ctx context.Context, state *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	for _, f := range h.Filters {
		if s := f.Filter(ctx, state, pod, ni); !s.IsSuccess() {
			return s.WithPlugin(f.Name())
		}
	}
	return nil
}

// RunPreFilterExtensionAddPod implements Handle.
func (h *Handle) RunPreFilterExtensionAddPod(ctx context.Context, state *fw.CycleState, pod *v1.Pod, pi *fw.PodInfo, ni *fw.NodeInfo) *fw.Status {
	for _, p := range h.PreFilters {
		if ext := p.PreFilterExtensions(); ext != nil {
			if s := ext.AddPod(ctx, state, pod, pi, ni); !s.IsSuccess() {
				return s
			}
		}
	}
	return nil
}

// RunPreFilterExtensionRemovePod implements Handle.
func (h *Handle) RunPreFilterExtensionRemovePod(ctx context.Context, state *fw.CycleState, pod *v1.Pod, pi *fw.PodInfo, ni *fw.NodeInfo) *fw.Status {
	for _, p := range h.PreFilters {
		if ext := p.PreFilterExtensions(); ext != nil {
			if s := ext.RemovePod(ctx, state, pod, pi, ni); !s.IsSuccess() {
				return s
			}
		}
	}
	return nil
}

// Code is a status's code and message, for comparing in tables.
func Code(s *fw.Status) string {
	if s.IsSuccess() {
		return "Success"
	}
	return s.Code().String() + ": " + s.Message()
}
