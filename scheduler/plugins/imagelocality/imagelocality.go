// Package imagelocality is the ImageLocality plugin: nodes that already
// have the pod's images score higher, weighted by image size and by how
// widely the image is spread (to avoid piling pods onto the one node that
// has it).
package imagelocality

import (
	"context"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/plugins/helper"
)

// Name of the plugin.
const Name = "ImageLocality"

const (
	mb                    int64 = 1024 * 1024
	minThreshold          int64 = 23 * mb
	maxContainerThreshold int64 = 1000 * mb
	preScoreKey                 = fw.StateKey("PreScore" + Name)
)

// Plugin is ImageLocality.
type Plugin struct{ h fw.Handle }

// New builds the plugin.
func New(_ context.Context, _ runtime.Object, h fw.Handle) (fw.Plugin, error) {
	return &Plugin{h: h}, nil
}

// Name implements Plugin.
func (*Plugin) Name() string { return Name }

// NormalizedImageName adds ":latest" to a name without tag or digest.
func NormalizedImageName(name string) string {
	if strings.LastIndex(name, ":") <= strings.LastIndex(name, "/") {
		return name + ":latest"
	}
	return name
}

func images(p *v1.Pod) []string {
	var out []string
	for _, c := range p.Spec.InitContainers {
		out = append(out, NormalizedImageName(c.Image))
	}
	for _, c := range p.Spec.Containers {
		out = append(out, NormalizedImageName(c.Image))
	}
	for _, vol := range p.Spec.Volumes {
		if vol.Image != nil {
			out = append(out, NormalizedImageName(vol.Image.Reference))
		}
	}
	return out
}

type preScoreState struct {
	images   []string
	numNodes map[string]int
	total    int
}

func (s *preScoreState) Clone() fw.StateData { return s }

// PreScore counts, for each of the pod's images, the nodes that have it.
func (pl *Plugin) PreScore(_ context.Context, state *fw.CycleState, p *v1.Pod, _ []*fw.NodeInfo) *fw.Status {
	all := pl.h.Snapshot().List()
	s := &preScoreState{images: images(p), numNodes: map[string]int{}, total: len(all)}
	for _, img := range s.images {
		s.numNodes[img] = 0
	}
	for _, ni := range all {
		if len(ni.ImageStates) == 0 {
			continue
		}
		for img := range s.numNodes {
			if _, ok := ni.ImageStates[img]; ok {
				s.numNodes[img]++
			}
		}
	}
	state.Write(preScoreKey, s)
	return nil
}

// Score sums size × spread of the images the node has, scaled between
// 23 MB and 1000 MB per container.
func (pl *Plugin) Score(_ context.Context, state *fw.CycleState, p *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	s, err := helper.Read[*preScoreState](state, preScoreKey)
	if err != nil {
		return 0, fw.AsStatus(err)
	}
	var sum int64
	for _, img := range s.images {
		if st, ok := ni.ImageStates[img]; ok && s.total > 0 {
			sum += int64(float64(st.Size) * float64(s.numNodes[img]) / float64(s.total))
		}
	}
	return Priority(sum, len(s.images)), nil
}

// Priority maps a summed image score to [0, 100].
func Priority(sum int64, count int) int64 {
	maxThreshold := maxContainerThreshold * int64(count)
	if sum < minThreshold {
		sum = minThreshold
	} else if sum > maxThreshold {
		sum = maxThreshold
	}
	if maxThreshold <= minThreshold {
		return 0
	}
	return fw.MaxNodeScore * (sum - minThreshold) / (maxThreshold - minThreshold)
}

// ScoreExtensions implements ScorePlugin.
func (*Plugin) ScoreExtensions() fw.ScoreExtensions { return nil }
