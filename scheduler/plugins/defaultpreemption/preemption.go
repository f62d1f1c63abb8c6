// Package defaultpreemption is the DefaultPreemption PostFilter plugin:
// when a pod fits nowhere, it looks for nodes where evicting
// lower-priority pods would make room, picks victims that respect
// PodDisruptionBudgets where possible, picks the node as upstream does
// (fewest PDB violations, lowest highest victim priority, lowest priority
// sum, fewest victims, latest start), deletes the victims and nominates
// the node (status.nominatedNodeName).
package defaultpreemption

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"

	v1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	policylisters "k8s.io/client-go/listers/policy/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/klog/v2"
	configv1 "k8s.io/kube-scheduler/config/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
)

// Name of the plugin.
const Name = "DefaultPreemption"

// Upstream's messages.
const (
	msgNotHelpful = "Preemption is not helpful for scheduling"
	msgNoVictims  = "No preemption victims found for incoming pod"
)

// Plugin is DefaultPreemption.
type Plugin struct {
	h                    fw.Handle
	minCandidatesPercent int32
	minCandidatesAbs     int32
	pdbs                 policylisters.PodDisruptionBudgetLister
}

// New builds the plugin from DefaultPreemptionArgs (10%, 100).
func New(_ context.Context, obj runtime.Object, h fw.Handle) (fw.Plugin, error) {
	pl := &Plugin{h: h, minCandidatesPercent: 10, minCandidatesAbs: 100}
	if args, _ := obj.(*configv1.DefaultPreemptionArgs); args != nil {
		if args.MinCandidateNodesPercentage != nil {
			pl.minCandidatesPercent = *args.MinCandidateNodesPercentage
		}
		if args.MinCandidateNodesAbsolute != nil {
			pl.minCandidatesAbs = *args.MinCandidateNodesAbsolute
		}
	}
	if f := h.SharedInformerFactory(); f != nil {
		pl.pdbs = f.Policy().V1().PodDisruptionBudgets().Lister()
	}
	return pl, nil
}

// Name implements Plugin.
func (*Plugin) Name() string { return Name }

type candidate struct {
	node          string
	victims       []*v1.Pod
	pdbViolations int
}

// PostFilter implements PostFilterPlugin.
func (pl *Plugin) PostFilter(ctx context.Context, state *fw.CycleState, pod *v1.Pod, statuses *fw.NodeToStatus) (*fw.PostFilterResult, *fw.Status) {
	res, st := pl.preempt(ctx, state, pod, statuses)
	if !st.IsSuccess() && st.Code() != fw.Error {
		return res, fw.NewStatus(st.Code(), "preemption: "+st.Message())
	}
	return res, st
}

func (pl *Plugin) preempt(ctx context.Context, state *fw.CycleState, pod *v1.Pod, statuses *fw.NodeToStatus) (*fw.PostFilterResult, *fw.Status) {
	if ok, msg := pl.eligible(pod, statuses); !ok {
		return nil, fw.NewStatus(fw.Unschedulable, msg)
	}
	all := pl.h.Snapshot().List()
	var potential []*fw.NodeInfo
	for _, ni := range all {
		if statuses.Get(ni.Node().Name).Code() == fw.Unschedulable {
			potential = append(potential, ni)
		}
	}
	result := fw.NodeToStatus{Map: map[string]*fw.Status{}, AbsentStatus: fw.NewStatus(fw.UnschedulableAndUnresolvable, msgNotHelpful)}
	if len(potential) == 0 {
		return &fw.PostFilterResult{Clear: true}, fw.NewStatus(fw.Unschedulable, fw.FitMessage(len(all), &result, "", ""))
	}
	var pdbs []*policyv1.PodDisruptionBudget
	if pl.pdbs != nil {
		var err error
		if pdbs, err = pl.pdbs.List(labels.Everything()); err != nil {
			return nil, fw.AsStatus(err)
		}
	}
	want := pl.numCandidates(len(potential))
	offset := rand.IntN(len(potential))
	var mu sync.Mutex
	var nonViolating, violating []candidate
	ctx2, cancel := context.WithCancel(ctx)
	defer cancel()
	parallelize(ctx2, pl.h, len(potential), func(i int) {
		ni := potential[(offset+i)%len(potential)]
		victims, violations, st := pl.selectVictims(ctx2, state.Clone(), pod, ni.Clone(), pdbs)
		mu.Lock()
		defer mu.Unlock()
		if st.IsSuccess() && len(victims) > 0 {
			c := candidate{node: ni.Node().Name, victims: victims, pdbViolations: violations}
			if violations == 0 {
				nonViolating = append(nonViolating, c)
			} else {
				violating = append(violating, c)
			}
			if len(nonViolating) > 0 && len(nonViolating)+len(violating) >= want {
				cancel()
			}
			return
		}
		if st.IsSuccess() {
			st = fw.AsStatus(fmt.Errorf("expected at least one victim pod on node %q", ni.Node().Name))
		}
		result.Map[ni.Node().Name] = st
	})
	candidates := append(nonViolating, violating...)
	if len(candidates) == 0 {
		return &fw.PostFilterResult{Clear: true}, fw.NewStatus(fw.Unschedulable, fw.FitMessage(len(all), &result, "", ""))
	}
	best := pickOne(candidates)
	if err := pl.evict(ctx, pod, best); err != nil {
		return nil, fw.AsStatus(err)
	}
	return &fw.PostFilterResult{NominatedNodeName: best.node}, nil
}

// eligible: preemptionPolicy Never pods do not preempt, nor do pods whose
// nominated node still has a victim terminating.
func (pl *Plugin) eligible(pod *v1.Pod, statuses *fw.NodeToStatus) (bool, string) {
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy == v1.PreemptNever {
		return false, "not eligible due to preemptionPolicy=Never."
	}
	nn := pod.Status.NominatedNodeName
	if nn == "" || statuses.Get(nn).Code() == fw.UnschedulableAndUnresolvable {
		return true, ""
	}
	if ni, err := pl.h.Snapshot().Get(nn); err == nil {
		prio := corev1helpers.PodPriority(pod)
		for _, pi := range ni.Pods {
			if pi.Pod.DeletionTimestamp != nil && corev1helpers.PodPriority(pi.Pod) < prio && terminatingByPreemption(pi.Pod) {
				return false, "not eligible due to a terminating pod on the nominated node."
			}
		}
	}
	return true, ""
}

func terminatingByPreemption(p *v1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == v1.DisruptionTarget && c.Status == v1.ConditionTrue && c.Reason == v1.PodReasonPreemptionByScheduler {
			return true
		}
	}
	return false
}

func (pl *Plugin) numCandidates(n int) int {
	c := n * int(pl.minCandidatesPercent) / 100
	if c < int(pl.minCandidatesAbs) {
		c = int(pl.minCandidatesAbs)
	}
	return min(c, n)
}

// moreImportant orders victims: higher priority, then started earlier.
func moreImportant(a, b *v1.Pod) bool {
	pa, pb := corev1helpers.PodPriority(a), corev1helpers.PodPriority(b)
	if pa != pb {
		return pa > pb
	}
	return startTime(a).Before(startTime(b))
}

func startTime(p *v1.Pod) *metav1.Time {
	if p.Status.StartTime != nil {
		return p.Status.StartTime
	}
	return &p.CreationTimestamp
}

// selectVictims removes every lower-priority pod from ni, checks the pod
// then fits, and reprieves as many victims as possible, PDB-violating
// ones first, most important first.
func (pl *Plugin) selectVictims(ctx context.Context, state *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo, pdbs []*policyv1.PodDisruptionBudget) ([]*v1.Pod, int, *fw.Status) {
	prio := corev1helpers.PodPriority(pod)
	var potential []*fw.PodInfo
	for _, pi := range ni.Pods {
		if corev1helpers.PodPriority(pi.Pod) < prio {
			potential = append(potential, pi)
		}
	}
	if len(potential) == 0 {
		return nil, 0, fw.NewStatus(fw.UnschedulableAndUnresolvable, msgNoVictims)
	}
	for _, pi := range potential {
		if err := ni.RemovePod(pi.Pod); err != nil {
			return nil, 0, fw.AsStatus(err)
		}
		if st := pl.h.RunPreFilterExtensionRemovePod(ctx, state, pod, pi, ni); !st.IsSuccess() {
			return nil, 0, st
		}
	}
	if st := pl.h.RunFilterPluginsWithNominatedPods(ctx, state, pod, ni); !st.IsSuccess() {
		return nil, 0, st
	}
	sort.Slice(potential, func(i, j int) bool { return moreImportant(potential[i].Pod, potential[j].Pod) })
	violatingPods, nonViolatingPods := splitByPDB(potential, pdbs)
	var victims []*v1.Pod
	reprieve := func(pi *fw.PodInfo) (bool, error) {
		ni.AddPodInfo(pi)
		if st := pl.h.RunPreFilterExtensionAddPod(ctx, state, pod, pi, ni); !st.IsSuccess() {
			return false, st.AsError()
		}
		fits := pl.h.RunFilterPluginsWithNominatedPods(ctx, state, pod, ni).IsSuccess()
		if !fits {
			if err := ni.RemovePod(pi.Pod); err != nil {
				return false, err
			}
			if st := pl.h.RunPreFilterExtensionRemovePod(ctx, state, pod, pi, ni); !st.IsSuccess() {
				return false, st.AsError()
			}
			victims = append(victims, pi.Pod)
		}
		return fits, nil
	}
	violations := 0
	for _, pi := range violatingPods {
		fits, err := reprieve(pi)
		if err != nil {
			return nil, 0, fw.AsStatus(err)
		}
		if !fits {
			violations++
		}
	}
	for _, pi := range nonViolatingPods {
		if _, err := reprieve(pi); err != nil {
			return nil, 0, fw.AsStatus(err)
		}
	}
	if len(violatingPods) > 0 && len(nonViolatingPods) > 0 {
		sort.Slice(victims, func(i, j int) bool { return moreImportant(victims[i], victims[j]) })
	}
	return victims, violations, nil
}

// splitByPDB marks pods whose eviction would exceed a matching PDB's
// allowed disruptions (counting the pods evicted before them).
func splitByPDB(pods []*fw.PodInfo, pdbs []*policyv1.PodDisruptionBudget) (violating, nonViolating []*fw.PodInfo) {
	allowed := make([]int32, len(pdbs))
	for i, p := range pdbs {
		allowed[i] = p.Status.DisruptionsAllowed
	}
	for _, pi := range pods {
		pod := pi.Pod
		violates := false
		if len(pod.Labels) > 0 {
			for i, pdb := range pdbs {
				if pdb.Namespace != pod.Namespace {
					continue
				}
				sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
				if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
					continue
				}
				if _, disrupted := pdb.Status.DisruptedPods[pod.Name]; disrupted {
					continue
				}
				allowed[i]--
				if allowed[i] < 0 {
					violates = true
				}
			}
		}
		if violates {
			violating = append(violating, pi)
		} else {
			nonViolating = append(nonViolating, pi)
		}
	}
	return violating, nonViolating
}

// pickOne applies upstream's tie-breakers in order.
func pickOne(cs []candidate) candidate {
	scores := []func(c *candidate) int64{
		func(c *candidate) int64 { return -int64(c.pdbViolations) },
		func(c *candidate) int64 { return -int64(corev1helpers.PodPriority(c.victims[0])) },
		func(c *candidate) int64 {
			var sum int64
			for _, p := range c.victims {
				sum += int64(corev1helpers.PodPriority(p)) + int64(math.MaxInt32+1)
			}
			return -sum
		},
		func(c *candidate) int64 { return -int64(len(c.victims)) },
		func(c *candidate) int64 {
			// The earliest start among the highest-priority victims; later
			// is better.
			top := corev1helpers.PodPriority(c.victims[0])
			var earliest *metav1.Time
			for _, p := range c.victims {
				if corev1helpers.PodPriority(p) != top {
					continue
				}
				if t := startTime(p); earliest == nil || t.Before(earliest) {
					earliest = t
				}
			}
			if earliest == nil {
				return math.MinInt64
			}
			return earliest.UnixNano()
		},
	}
	for _, f := range scores {
		var kept []candidate
		best := int64(math.MinInt64)
		for i := range cs {
			s := f(&cs[i])
			if s > best {
				best, kept = s, kept[:0]
			}
			if s == best {
				kept = append(kept, cs[i])
			}
		}
		if len(kept) == 1 {
			return kept[0]
		}
		cs = kept
	}
	return cs[0]
}

// evict marks and deletes the victims, and drops the nominations of
// lower-priority pods nominated to the node.
func (pl *Plugin) evict(ctx context.Context, preemptor *v1.Pod, c candidate) error {
	cs := pl.h.ClientSet()
	for _, v := range c.victims {
		cond := map[string]interface{}{
			"type": v1.DisruptionTarget, "status": v1.ConditionTrue, "reason": v1.PodReasonPreemptionByScheduler,
			"message":            fmt.Sprintf("%s: preempting to accommodate a higher priority pod", preemptor.Spec.SchedulerName),
			"lastTransitionTime": metav1.Now().UTC().Format("2006-01-02T15:04:05Z"),
		}
		patch, _ := json.Marshal(map[string]interface{}{"status": map[string]interface{}{"conditions": []interface{}{cond}}})
		if _, err := cs.CoreV1().Pods(v.Namespace).Patch(ctx, v.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status"); err != nil && !apierrors.IsNotFound(err) {
			klog.ErrorS(err, "Marking preemption victim", "pod", klog.KObj(v))
		}
		if err := cs.CoreV1().Pods(v.Namespace).Delete(ctx, v.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &v.UID}}); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return err
		}
		if r := pl.h.EventRecorder(); r != nil {
			r.Eventf(v, preemptor, v1.EventTypeNormal, "Preempted", "Preempting", "Preempted by pod %v on node %v", preemptor.UID, c.node)
		}
	}
	prio := corev1helpers.PodPriority(preemptor)
	for _, pi := range pl.h.NominatedPodsForNode(c.node) {
		if pi.Pod.UID == preemptor.UID || corev1helpers.PodPriority(pi.Pod) >= prio {
			continue
		}
		patch := []byte(`{"status":{"nominatedNodeName":null}}`)
		_, _ = cs.CoreV1().Pods(pi.Pod.Namespace).Patch(ctx, pi.Pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	}
	return nil
}

func parallelize(ctx context.Context, h fw.Handle, n int, work func(int)) {
	if f, ok := h.(interface {
		Parallelize(context.Context, int, func(int))
	}); ok {
		f.Parallelize(ctx, n, work)
		return
	}
	for i := 0; i < n; i++ {
		work(i)
	}
}
