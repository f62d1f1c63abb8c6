// Package noderesourcesfit is the NodeResourcesFit plugin: it filters out
// nodes without room for a pod's requests (CPU, memory, ephemeral storage,
// extended resources, pod count; init containers, sidecars and overhead
// counted as upstream) and scores nodes by the configured strategy
// (LeastAllocated by default, MostAllocated, RequestedToCapacityRatio).
package noderesourcesfit

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	configv1 "k8s.io/kube-scheduler/config/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/plugins/helper"
)

// Name of the plugin.
const Name = "NodeResourcesFit"

const (
	preFilterKey fw.StateKey = "PreFilter" + Name
	preScoreKey  fw.StateKey = "PreScore" + Name
	// maxCustomPriorityScore is the top of a RequestedToCapacityRatio shape.
	maxCustomPriorityScore = 10
	maxUtilization         = 100
)

// Fit is the plugin.
type Fit struct {
	ignored       sets.Set[string]
	ignoredGroups sets.Set[string]
	resources     []configv1.ResourceSpec
	scorer        func(requested, allocatable []int64) int64
}

// DefaultResources are cpu and memory with weight 1.
func DefaultResources() []configv1.ResourceSpec {
	return []configv1.ResourceSpec{{Name: string(v1.ResourceCPU), Weight: 1}, {Name: string(v1.ResourceMemory), Weight: 1}}
}

// New builds the plugin from NodeResourcesFitArgs (defaults when nil).
func New(_ context.Context, obj runtime.Object, _ fw.Handle) (fw.Plugin, error) {
	args, _ := obj.(*configv1.NodeResourcesFitArgs)
	if args == nil {
		args = &configv1.NodeResourcesFitArgs{}
	}
	pl := &Fit{ignored: sets.New(args.IgnoredResources...), ignoredGroups: sets.New(args.IgnoredResourceGroups...)}
	strategy := args.ScoringStrategy
	if strategy == nil {
		strategy = &configv1.ScoringStrategy{Type: configv1.LeastAllocated}
	}
	pl.resources = strategy.Resources
	if len(pl.resources) == 0 {
		pl.resources = DefaultResources()
	}
	for i := range pl.resources {
		if pl.resources[i].Weight == 0 {
			pl.resources[i].Weight = 1
		}
	}
	switch strategy.Type {
	case configv1.LeastAllocated, "":
		pl.scorer = pl.weighted(func(req, capacity int64) int64 {
			if capacity == 0 || req > capacity {
				return 0
			}
			return (capacity - req) * fw.MaxNodeScore / capacity
		})
	case configv1.MostAllocated:
		pl.scorer = pl.weighted(func(req, capacity int64) int64 {
			if capacity == 0 {
				return 0
			}
			return min(req, capacity) * fw.MaxNodeScore / capacity
		})
	case configv1.RequestedToCapacityRatio:
		if strategy.RequestedToCapacityRatio == nil || len(strategy.RequestedToCapacityRatio.Shape) == 0 {
			return nil, fmt.Errorf("scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one point must be specified")
		}
		pl.scorer = ratioScorer(strategy.RequestedToCapacityRatio.Shape, pl.resources)
	default:
		return nil, fmt.Errorf("scoringStrategy.type: Unsupported value: %q", strategy.Type)
	}
	return pl, nil
}

// Name implements Plugin.
func (*Fit) Name() string { return Name }

func (pl *Fit) weighted(score func(req, capacity int64) int64) func(req, alloc []int64) int64 {
	return func(req, alloc []int64) int64 {
		var total, weights int64
		for i := range req {
			if alloc[i] == 0 {
				continue
			}
			w := int64(pl.resources[i].Weight)
			total += score(req[i], alloc[i]) * w
			weights += w
		}
		if weights == 0 {
			return 0
		}
		return total / weights
	}
}

func ratioScorer(shape []configv1.UtilizationShapePoint, resources []configv1.ResourceSpec) func(req, alloc []int64) int64 {
	type point struct{ u, s int64 }
	pts := make([]point, len(shape))
	for i, p := range shape {
		pts[i] = point{int64(p.Utilization), int64(p.Score) * (fw.MaxNodeScore / maxCustomPriorityScore)}
	}
	raw := func(p int64) int64 {
		for i := range pts {
			if p <= pts[i].u {
				if i == 0 {
					return pts[0].s
				}
				return pts[i-1].s + (pts[i].s-pts[i-1].s)*(p-pts[i-1].u)/(pts[i].u-pts[i-1].u)
			}
		}
		return pts[len(pts)-1].s
	}
	return func(req, alloc []int64) int64 {
		var total, weights int64
		for i := range req {
			if alloc[i] == 0 {
				continue
			}
			var s int64
			if req[i] > alloc[i] {
				s = raw(maxUtilization)
			} else {
				s = raw(req[i] * maxUtilization / alloc[i])
			}
			if s > 0 {
				w := int64(resources[i].Weight)
				total += s * w
				weights += w
			}
		}
		if weights == 0 {
			return 0
		}
		return int64(math.Round(float64(total) / float64(weights)))
	}
}

type preFilterState struct{ fw.Resource }

func (s *preFilterState) Clone() fw.StateData { return s }

// PreFilter records the pod's request.
func (pl *Fit) PreFilter(_ context.Context, state *fw.CycleState, p *v1.Pod, _ []*fw.NodeInfo) (*fw.PreFilterResult, *fw.Status) {
	state.Write(preFilterKey, &preFilterState{fw.NewPodInfo(p).Requests})
	return nil, nil
}

// PreFilterExtensions implements PreFilterPlugin.
func (*Fit) PreFilterExtensions() fw.PreFilterExtensions { return nil }

// Insufficient describes one resource that does not fit.
type Insufficient struct {
	Name         v1.ResourceName
	Reason       string
	Unresolvable bool
}

// Fits lists what of req does not fit on ni.
func (pl *Fit) Fits(req *fw.Resource, ni *fw.NodeInfo) []Insufficient {
	var out []Insufficient
	if len(ni.Pods)+1 > ni.Allocatable.AllowedPodNumber {
		out = append(out, Insufficient{Name: v1.ResourcePods, Reason: "Too many pods"})
	}
	if req.MilliCPU == 0 && req.Memory == 0 && req.EphemeralStorage == 0 && len(req.ScalarResources) == 0 {
		return out
	}
	alloc, used := ni.Allocatable, ni.Requested
	if req.MilliCPU > 0 && req.MilliCPU > alloc.MilliCPU-used.MilliCPU {
		out = append(out, Insufficient{v1.ResourceCPU, "Insufficient cpu", req.MilliCPU > alloc.MilliCPU})
	}
	if req.Memory > 0 && req.Memory > alloc.Memory-used.Memory {
		out = append(out, Insufficient{v1.ResourceMemory, "Insufficient memory", req.Memory > alloc.Memory})
	}
	if req.EphemeralStorage > 0 && req.EphemeralStorage > alloc.EphemeralStorage-used.EphemeralStorage {
		out = append(out, Insufficient{v1.ResourceEphemeralStorage, "Insufficient ephemeral-storage", req.EphemeralStorage > alloc.EphemeralStorage})
	}
	if len(req.ScalarResources) == 0 {
		return out
	}
	names := make([]string, 0, len(req.ScalarResources))
	for n := range req.ScalarResources {
		names = append(names, string(n))
	}
	sort.Strings(names)
	for _, n := range names {
		name := v1.ResourceName(n)
		q := req.ScalarResources[name]
		if q == 0 {
			continue
		}
		if !strings.HasPrefix(n, v1.ResourceHugePagesPrefix) && !strings.HasPrefix(n, v1.ResourceAttachableVolumesPrefix) {
			group, _, _ := strings.Cut(n, "/")
			if pl.ignored.Has(n) || pl.ignoredGroups.Has(group) {
				continue
			}
		}
		if q > alloc.ScalarResources[name]-used.ScalarResources[name] {
			out = append(out, Insufficient{name, fmt.Sprintf("Insufficient %v", name), q > alloc.ScalarResources[name]})
		}
	}
	return out
}

// Filter implements FilterPlugin.
func (pl *Fit) Filter(_ context.Context, state *fw.CycleState, p *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	s, err := helper.Read[*preFilterState](state, preFilterKey)
	if err != nil {
		s = &preFilterState{fw.NewPodInfo(p).Requests}
	}
	bad := pl.Fits(&s.Resource, ni)
	if len(bad) == 0 {
		return nil
	}
	code := fw.Unschedulable
	reasons := make([]string, len(bad))
	for i, b := range bad {
		reasons[i] = b.Reason
		if b.Unresolvable {
			code = fw.UnschedulableAndUnresolvable
		}
	}
	return fw.NewStatus(code, reasons...)
}

type preScoreState struct{ requests []int64 }

func (s *preScoreState) Clone() fw.StateData { return s }

// PodRequests lists pi's request of each resource; CPU and memory use the
// non-zero defaults when nonZero is set.
func PodRequests(pi *fw.PodInfo, resources []configv1.ResourceSpec, nonZero bool) []int64 {
	out := make([]int64, len(resources))
	for i, r := range resources {
		switch v1.ResourceName(r.Name) {
		case v1.ResourceCPU:
			out[i] = pi.Requests.MilliCPU
			if nonZero {
				out[i] = pi.NonZeroCPU
			}
		case v1.ResourceMemory:
			out[i] = pi.Requests.Memory
			if nonZero {
				out[i] = pi.NonZeroMemory
			}
		case v1.ResourceEphemeralStorage:
			out[i] = pi.Requests.EphemeralStorage
		default:
			out[i] = pi.Requests.ScalarResources[v1.ResourceName(r.Name)]
		}
	}
	return out
}

// NodeAmounts fills the node's allocatable and allocated amount of each
// resource (allocated with non-zero defaults when nonZero), leaving zeros
// for resources the node lacks or the pod does not request (extended).
func NodeAmounts(ni *fw.NodeInfo, resources []configv1.ResourceSpec, podReq []int64, nonZero bool, alloc, used []int64) {
	requested := ni.Requested
	if nonZero {
		requested = ni.NonZeroRequested
	}
	for i, r := range resources {
		alloc[i], used[i] = 0, 0
		name := v1.ResourceName(r.Name)
		switch name {
		case v1.ResourceCPU:
			alloc[i], used[i] = ni.Allocatable.MilliCPU, requested.MilliCPU
		case v1.ResourceMemory:
			alloc[i], used[i] = ni.Allocatable.Memory, requested.Memory
		case v1.ResourceEphemeralStorage:
			alloc[i], used[i] = ni.Allocatable.EphemeralStorage, ni.Requested.EphemeralStorage
		default:
			if podReq[i] == 0 {
				continue
			}
			if a, ok := ni.Allocatable.ScalarResources[name]; ok {
				alloc[i], used[i] = a, ni.Requested.ScalarResources[name]
			}
		}
	}
}

// PreScore records the pod's request of each scored resource.
func (pl *Fit) PreScore(_ context.Context, state *fw.CycleState, p *v1.Pod, _ []*fw.NodeInfo) *fw.Status {
	state.Write(preScoreKey, &preScoreState{PodRequests(fw.NewPodInfo(p), pl.resources, true)})
	return nil
}

// Score implements ScorePlugin.
func (pl *Fit) Score(_ context.Context, state *fw.CycleState, p *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	s, err := helper.Read[*preScoreState](state, preScoreKey)
	if err != nil {
		s = &preScoreState{PodRequests(fw.NewPodInfo(p), pl.resources, true)}
	}
	var buf [8]int64
	n := len(pl.resources)
	var alloc, used []int64
	if 2*n <= len(buf) {
		alloc, used = buf[:n], buf[n:2*n]
	} else {
		alloc, used = make([]int64, n), make([]int64, n)
	}
	NodeAmounts(ni, pl.resources, s.requests, true, alloc, used)
	for i := range used {
		if alloc[i] != 0 {
			used[i] += s.requests[i]
		} else {
			used[i] = 0
		}
	}
	return pl.scorer(used, alloc), nil
}

// ScoreExtensions implements ScorePlugin.
func (*Fit) ScoreExtensions() fw.ScoreExtensions { return nil }
