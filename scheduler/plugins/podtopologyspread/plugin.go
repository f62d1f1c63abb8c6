// Package podtopologyspread is the PodTopologySpread plugin: hard
// (DoNotSchedule) constraints filter nodes whose domain would exceed
// maxSkew, soft (ScheduleAnyway) ones and the cluster default constraints
// score nodes in less-loaded domains higher.
package podtopologyspread

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"
	configv1 "k8s.io/kube-scheduler/config/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/plugins/helper"
)

// Name of the plugin.
const Name = "PodTopologySpread"

// Upstream's messages.
const (
	ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints"
	ErrReasonNodeLabelNotMatch   = ErrReasonConstraintsNotMatch + " (missing required label)"
)

// SystemDefaultConstraints are used with defaultingType System.
var SystemDefaultConstraints = []v1.TopologySpreadConstraint{
	{TopologyKey: v1.LabelTopologyZone, WhenUnsatisfiable: v1.ScheduleAnyway, MaxSkew: 5},
	{TopologyKey: v1.LabelHostname, WhenUnsatisfiable: v1.ScheduleAnyway, MaxSkew: 3},
}

// Plugin is PodTopologySpread.
type Plugin struct {
	h               fw.Handle
	defaults        []v1.TopologySpreadConstraint
	systemDefaulted bool
	services        corelisters.ServiceLister
	rcs             corelisters.ReplicationControllerLister
	rss             appslisters.ReplicaSetLister
	sss             appslisters.StatefulSetLister
}

// New builds the plugin from PodTopologySpreadArgs.
func New(_ context.Context, obj runtime.Object, h fw.Handle) (fw.Plugin, error) {
	pl := &Plugin{h: h, defaults: SystemDefaultConstraints, systemDefaulted: true}
	if args, _ := obj.(*configv1.PodTopologySpreadArgs); args != nil && args.DefaultingType == configv1.ListDefaulting {
		pl.defaults, pl.systemDefaulted = args.DefaultConstraints, false
		for i, c := range pl.defaults {
			if c.LabelSelector != nil {
				return nil, fmt.Errorf("defaultConstraints[%d].labelSelector: Forbidden: constraint must not define a selector, as they deduced for each pod", i)
			}
		}
	}
	if f := h.SharedInformerFactory(); f != nil && len(pl.defaults) > 0 {
		pl.services = f.Core().V1().Services().Lister()
		pl.rcs = f.Core().V1().ReplicationControllers().Lister()
		pl.rss = f.Apps().V1().ReplicaSets().Lister()
		pl.sss = f.Apps().V1().StatefulSets().Lister()
	}
	return pl, nil
}

// Name implements Plugin.
func (*Plugin) Name() string { return Name }

type constraint struct {
	maxSkew        int32
	key            string
	selector       labels.Selector
	minDomains     int32
	honorAffinity  bool
	honorTaints    bool
	whenUnsatisfyd v1.UnsatisfiableConstraintAction
}

func (c *constraint) includes(p *v1.Pod, n *v1.Node, req nodeaffinity.RequiredNodeAffinity) bool {
	if c.honorAffinity {
		if ok, _ := req.Match(n); !ok {
			return false
		}
	}
	if c.honorTaints {
		for i := range n.Spec.Taints {
			t := &n.Spec.Taints[i]
			if !helper.DoNotScheduleTaints(t) {
				continue
			}
			tolerated := false
			for j := range p.Spec.Tolerations {
				if p.Spec.Tolerations[j].ToleratesTaint(klog.Background(), t, true) {
					tolerated = true
					break
				}
			}
			if !tolerated {
				return false
			}
		}
	}
	return true
}

// constraints converts the pod's constraints of the given action.
func constraints(in []v1.TopologySpreadConstraint, podLabels map[string]string, action v1.UnsatisfiableConstraintAction) ([]constraint, error) {
	var out []constraint
	for _, c := range in {
		if c.WhenUnsatisfiable != action {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
		if err != nil {
			return nil, err
		}
		if len(c.MatchLabelKeys) > 0 && c.LabelSelector != nil {
			for _, k := range c.MatchLabelKeys {
				if v, ok := podLabels[k]; ok {
					if r, err := labels.NewRequirement(k, "=", []string{v}); err == nil {
						sel = sel.Add(*r)
					}
				}
			}
		}
		tc := constraint{maxSkew: c.MaxSkew, key: c.TopologyKey, selector: sel, minDomains: 1, honorAffinity: true, whenUnsatisfyd: action}
		if c.MinDomains != nil {
			tc.minDomains = *c.MinDomains
		}
		if c.NodeAffinityPolicy != nil {
			tc.honorAffinity = *c.NodeAffinityPolicy == v1.NodeInclusionPolicyHonor
		}
		if c.NodeTaintsPolicy != nil {
			tc.honorTaints = *c.NodeTaintsPolicy == v1.NodeInclusionPolicyHonor
		}
		out = append(out, tc)
	}
	return out, nil
}

// podConstraints are the pod's own constraints, or the defaults (with a
// selector built from the pod's Services and controllers) when it has none.
func (pl *Plugin) podConstraints(p *v1.Pod, action v1.UnsatisfiableConstraintAction) ([]constraint, error) {
	if len(p.Spec.TopologySpreadConstraints) > 0 {
		return constraints(p.Spec.TopologySpreadConstraints, p.Labels, action)
	}
	cs, err := constraints(pl.defaults, p.Labels, action)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	sel := pl.defaultSelector(p)
	if sel.Empty() {
		return nil, nil
	}
	for i := range cs {
		cs[i].selector = sel
	}
	return cs, nil
}

// defaultSelector selects the pods of the same Services, ReplicationControllers,
// ReplicaSets and StatefulSets as p, as upstream's DefaultSelector.
func (pl *Plugin) defaultSelector(p *v1.Pod) labels.Selector {
	set := labels.Set{}
	sel := labels.NewSelector()
	if pl.services == nil {
		return sel
	}
	podLabels := labels.Set(p.Labels)
	if svcs, err := pl.services.Services(p.Namespace).List(labels.Everything()); err == nil {
		for _, s := range svcs {
			if len(s.Spec.Selector) > 0 && labels.SelectorFromValidatedSet(s.Spec.Selector).Matches(podLabels) {
				for k, v := range s.Spec.Selector {
					set[k] = v
				}
			}
		}
	}
	if rcs, err := pl.rcs.ReplicationControllers(p.Namespace).List(labels.Everything()); err == nil {
		for _, rc := range rcs {
			if len(rc.Spec.Selector) > 0 && labels.SelectorFromValidatedSet(rc.Spec.Selector).Matches(podLabels) {
				for k, v := range rc.Spec.Selector {
					set[k] = v
				}
			}
		}
	}
	if len(set) > 0 {
		sel = labels.SelectorFromSet(set)
	}
	add := func(ls *metav1.LabelSelector) {
		s, err := metav1.LabelSelectorAsSelector(ls)
		if err != nil || s.Empty() || !s.Matches(podLabels) {
			return
		}
		if reqs, ok := s.Requirements(); ok {
			sel = sel.Add(reqs...)
		}
	}
	if rss, err := pl.rss.ReplicaSets(p.Namespace).List(labels.Everything()); err == nil {
		for _, rs := range rss {
			add(rs.Spec.Selector)
		}
	}
	if sss, err := pl.sss.StatefulSets(p.Namespace).List(labels.Everything()); err == nil {
		for _, ss := range sss {
			add(ss.Spec.Selector)
		}
	}
	return sel
}

func hasAllKeys(nodeLabels map[string]string, cs []constraint) bool {
	for _, c := range cs {
		if _, ok := nodeLabels[c.key]; !ok {
			return false
		}
	}
	return true
}

func countMatching(pods []*fw.PodInfo, sel labels.Selector, ns string) int {
	if sel.Empty() {
		return 0
	}
	n := 0
	for _, pi := range pods {
		p := pi.Pod
		if p.DeletionTimestamp != nil || p.Namespace != ns {
			continue
		}
		if sel.Matches(labels.Set(p.Labels)) {
			n++
		}
	}
	return n
}
