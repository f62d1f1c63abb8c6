// Package balancedallocation is NodeResourcesBalancedAllocation: it
// prefers nodes where placing the pod leaves the used fractions of the
// resources (CPU and memory by default) closer to each other.
package balancedallocation

import (
	"context"
	"math"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	configv1 "k8s.io/kube-scheduler/config/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/plugins/helper"
	"github.com/skiff-k8s/skiff/scheduler/plugins/noderesourcesfit"
)

// Name of the plugin.
const Name = "NodeResourcesBalancedAllocation"

const preScoreKey fw.StateKey = "PreScore" + Name

// Balanced is the plugin.
type Balanced struct{ resources []configv1.ResourceSpec }

// New builds the plugin from NodeResourcesBalancedAllocationArgs.
func New(_ context.Context, obj runtime.Object, _ fw.Handle) (fw.Plugin, error) {
	pl := &Balanced{resources: noderesourcesfit.DefaultResources()}
	if args, _ := obj.(*configv1.NodeResourcesBalancedAllocationArgs); args != nil && len(args.Resources) > 0 {
		pl.resources = args.Resources
	}
	return pl, nil
}

// Name implements Plugin.
func (*Balanced) Name() string { return Name }

type preScoreState struct{ requests []int64 }

func (s *preScoreState) Clone() fw.StateData { return s }

// PreScore records the pod's actual requests; a pod requesting none of
// the resources is not scored (upstream skips best-effort pods).
func (pl *Balanced) PreScore(_ context.Context, state *fw.CycleState, p *v1.Pod, _ []*fw.NodeInfo) *fw.Status {
	req := noderesourcesfit.PodRequests(fw.NewPodInfo(p), pl.resources, false)
	empty := true
	for _, r := range req {
		if r != 0 {
			empty = false
		}
	}
	if empty {
		return fw.NewStatus(fw.Skip)
	}
	state.Write(preScoreKey, &preScoreState{req})
	return nil
}

// Score compares the balance with and without the pod.
func (pl *Balanced) Score(_ context.Context, state *fw.CycleState, p *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	s, err := helper.Read[*preScoreState](state, preScoreKey)
	if err != nil {
		return 0, fw.AsStatus(err)
	}
	n := len(pl.resources)
	var buf [12]int64
	var alloc, used, with []int64
	if 3*n <= len(buf) {
		alloc, used, with = buf[:n], buf[n:2*n], buf[2*n:3*n]
	} else {
		alloc, used, with = make([]int64, n), make([]int64, n), make([]int64, n)
	}
	noderesourcesfit.NodeAmounts(ni, pl.resources, s.requests, false, alloc, used)
	for i := range used {
		if alloc[i] != 0 {
			with[i] = used[i] + s.requests[i]
		}
	}
	withPod := balance(with, alloc)
	without := balance(used, alloc)
	return fw.MaxNodeScore/2 + (fw.MaxNodeScore/2+withPod-without)/2, nil
}

// balance is (1 - standard deviation of the used fractions) * 100.
func balance(req, alloc []int64) int64 {
	var fractions [8]float64
	fs := fractions[:0]
	var total float64
	for i := range req {
		if alloc[i] == 0 {
			continue
		}
		f := float64(req[i]) / float64(alloc[i])
		if f > 1 {
			f = 1
		}
		total += f
		fs = append(fs, f)
	}
	std := 0.0
	if len(fs) == 2 {
		std = math.Abs((fs[0] - fs[1]) / 2)
	} else if len(fs) > 2 {
		mean := total / float64(len(fs))
		var sum float64
		for _, f := range fs {
			sum += (f - mean) * (f - mean)
		}
		std = math.Sqrt(sum / float64(len(fs)))
	}
	return int64((1 - std) * float64(fw.MaxNodeScore))
}

// ScoreExtensions implements ScorePlugin.
func (*Balanced) ScoreExtensions() fw.ScoreExtensions { return nil }
