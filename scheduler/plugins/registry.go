// Package plugins lists skiff's in-tree scheduler plugins and the default
// profile (upstream's default plugins and weights).
package plugins

import (
	"k8s.io/apimachinery/pkg/runtime"
	configv1 "k8s.io/kube-scheduler/config/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/plugins/balancedallocation"
	"github.com/skiff-k8s/skiff/scheduler/plugins/defaultbinder"
	"github.com/skiff-k8s/skiff/scheduler/plugins/defaultpreemption"
	"github.com/skiff-k8s/skiff/scheduler/plugins/imagelocality"
	"github.com/skiff-k8s/skiff/scheduler/plugins/interpodaffinity"
	"github.com/skiff-k8s/skiff/scheduler/plugins/nodeaffinity"
	"github.com/skiff-k8s/skiff/scheduler/plugins/nodename"
	"github.com/skiff-k8s/skiff/scheduler/plugins/nodeports"
	"github.com/skiff-k8s/skiff/scheduler/plugins/noderesourcesfit"
	"github.com/skiff-k8s/skiff/scheduler/plugins/nodeunschedulable"
	"github.com/skiff-k8s/skiff/scheduler/plugins/podtopologyspread"
	"github.com/skiff-k8s/skiff/scheduler/plugins/queuesort"
	"github.com/skiff-k8s/skiff/scheduler/plugins/schedulinggates"
	"github.com/skiff-k8s/skiff/scheduler/plugins/tainttoleration"
	"github.com/skiff-k8s/skiff/scheduler/plugins/volumebinding"
)

// Registry maps plugin names to factories.
func Registry() map[string]fw.Factory {
	r := map[string]fw.Factory{
		schedulinggates.Name:    schedulinggates.New,
		queuesort.Name:          queuesort.New,
		nodeunschedulable.Name:  nodeunschedulable.New,
		nodename.Name:           nodename.New,
		tainttoleration.Name:    tainttoleration.New,
		nodeaffinity.Name:       nodeaffinity.New,
		nodeports.Name:          nodeports.New,
		noderesourcesfit.Name:   noderesourcesfit.New,
		balancedallocation.Name: balancedallocation.New,
		defaultbinder.Name:      defaultbinder.New,
		podtopologyspread.Name:  podtopologyspread.New,
		interpodaffinity.Name:   interpodaffinity.New,
		defaultpreemption.Name:  defaultpreemption.New,
		imagelocality.Name:      imagelocality.New,
		volumebinding.Name:      volumebinding.New,
	}
	for name, f := range extra {
		r[name] = f
	}
	return r
}

// extra holds plugins registered by files added later in this package.
var extra = map[string]fw.Factory{}

// DefaultMultiPoint is upstream's default profile (v1), in order, with
// score weights; plugins skiff does not implement are left out.
func DefaultMultiPoint() []fw.PluginRef {
	all := []fw.PluginRef{
		{Name: schedulinggates.Name},
		{Name: queuesort.Name},
		{Name: nodeunschedulable.Name},
		{Name: nodename.Name},
		{Name: tainttoleration.Name, Weight: 3},
		{Name: nodeaffinity.Name, Weight: 2},
		{Name: nodeports.Name},
		{Name: noderesourcesfit.Name, Weight: 1},
		{Name: "VolumeBinding"},
		{Name: "PodTopologySpread", Weight: 2},
		{Name: "InterPodAffinity", Weight: 2},
		{Name: "DefaultPreemption"},
		{Name: balancedallocation.Name, Weight: 1},
		{Name: "ImageLocality", Weight: 1},
		{Name: defaultbinder.Name},
	}
	reg := Registry()
	out := all[:0]
	for _, r := range all {
		if _, ok := reg[r.Name]; ok {
			out = append(out, r)
		}
	}
	return out
}

// ArgsFor returns an empty args object for plugins that take args, to
// decode pluginConfig into.
func ArgsFor(name string) runtime.Object {
	switch name {
	case noderesourcesfit.Name:
		return &configv1.NodeResourcesFitArgs{}
	case balancedallocation.Name:
		return &configv1.NodeResourcesBalancedAllocationArgs{}
	case nodeaffinity.Name:
		return &configv1.NodeAffinityArgs{}
	case "PodTopologySpread":
		return &configv1.PodTopologySpreadArgs{}
	case "InterPodAffinity":
		return &configv1.InterPodAffinityArgs{}
	case "DefaultPreemption":
		return &configv1.DefaultPreemptionArgs{}
	case "VolumeBinding":
		return &configv1.VolumeBindingArgs{}
	}
	return nil
}
