// Package scheduler is skiff's pod scheduler: upstream's scheduling
// framework extension points (see package framework) with plugins of
// upstream semantics (package plugins), a three-part scheduling queue
// with event-driven requeueing, a cache of nodes and pods with
// incremental per-cycle snapshots, parallel filtering and scoring, and
// binding through the pods/binding subresource. Profiles come from a
// KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1).
package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/plugins"
)

// Scheduler assigns pending pods to nodes.
type Scheduler struct {
	client    kubernetes.Interface
	factory   informers.SharedInformerFactory
	podLister corelisters.PodLister
	cache     *cache
	queue     *queue
	profiles  map[string]*fw.Framework
	snapshot  *fw.Snapshot
	cfg       *Config

	broadcaster events.EventBroadcaster
	nextStart   int
}

// Start builds a scheduler on cfg (nil: the default configuration) and
// runs it until ctx ends. It returns once the informers have synced.
func Start(ctx context.Context, restCfg *rest.Config, cfg *Config) (*Scheduler, error) {
	s, err := New(ctx, restCfg, cfg)
	if err != nil {
		return nil, err
	}
	s.factory.Start(ctx.Done())
	for typ, ok := range s.factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return nil, fmt.Errorf("scheduler: %v cache did not sync", typ)
		}
	}
	go s.Run(ctx)
	return s, nil
}

// New builds a scheduler; Run starts it (after the informers run).
func New(ctx context.Context, restCfg *rest.Config, cfg *Config) (*Scheduler, error) {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	rc := rest.CopyConfig(restCfg)
	rc.QPS, rc.Burst = -1, -1
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	s := &Scheduler{client: client, factory: factory, cache: newCache(), snapshot: fw.NewEmptySnapshot(), cfg: cfg, profiles: map[string]*fw.Framework{}}
	s.broadcaster = events.NewBroadcaster(&events.EventSinkImpl{Interface: client.EventsV1()})
	registry := plugins.Registry()
	var first *fw.Framework
	for _, p := range cfg.Profiles {
		recorder := s.broadcaster.NewRecorder(scheme.Scheme, p.SchedulerName)
		f, err := fw.NewFramework(ctx, registry, p.SchedulerName, p.Plugins, fw.Options{
			Client: client, InformerFactory: factory, Recorder: recorder, Nominator: nominatorFunc(s.nominated),
			Parallelism: cfg.Parallelism, Args: p.Args,
		})
		if err != nil {
			return nil, fmt.Errorf("profile %q: %w", p.SchedulerName, err)
		}
		f.SetSnapshot(s.snapshot)
		s.profiles[p.SchedulerName] = f
		if first == nil {
			first = f
		}
	}
	s.queue = newQueue(first.QueueSortLess, s.preEnqueue, cfg.InitialBackoff, cfg.MaxBackoff)
	s.podLister = factory.Core().V1().Pods().Lister()
	s.addHandlers()
	return s, nil
}

type nominatorFunc func(string) []*fw.PodInfo

func (f nominatorFunc) NominatedPodsForNode(n string) []*fw.PodInfo { return f(n) }

func (s *Scheduler) nominated(node string) []*fw.PodInfo { return s.queue.NominatedPodsForNode(node) }

func (s *Scheduler) preEnqueue(p *v1.Pod) *fw.Status {
	if f := s.profiles[p.Spec.SchedulerName]; f != nil {
		return f.RunPreEnqueuePlugins(context.Background(), p)
	}
	return nil
}

func (s *Scheduler) responsibleFor(p *v1.Pod) bool {
	_, ok := s.profiles[p.Spec.SchedulerName]
	return ok
}

func assigned(p *v1.Pod) bool { return p.Spec.NodeName != "" }

func terminal(p *v1.Pod) bool {
	return p.Status.Phase == v1.PodSucceeded || p.Status.Phase == v1.PodFailed
}

func asPod(obj interface{}) *v1.Pod {
	switch t := obj.(type) {
	case *v1.Pod:
		return t
	case toolscache.DeletedFinalStateUnknown:
		p, _ := t.Obj.(*v1.Pod)
		return p
	}
	return nil
}

func asNode(obj interface{}) *v1.Node {
	switch t := obj.(type) {
	case *v1.Node:
		return t
	case toolscache.DeletedFinalStateUnknown:
		n, _ := t.Obj.(*v1.Node)
		return n
	}
	return nil
}

// Events and the plugins whose rejections they may undo (a coarse form
// of upstream's EventsToRegister).
var (
	evNodeAdd        = event{name: "NodeAdd"}
	evNodeUpdate     = event{name: "NodeUpdate"}
	evAssignedAdd    = event{name: "AssignedPodAdd", plugins: sets.New("InterPodAffinity", "PodTopologySpread")}
	evAssignedUpdate = event{name: "AssignedPodUpdate", plugins: sets.New("InterPodAffinity", "PodTopologySpread", "NodeResourcesFit")}
	evAssignedDelete = event{name: "AssignedPodDelete"}
	evStorage        = event{name: "StorageChange", plugins: sets.New("VolumeBinding")}
	evNamespace      = event{name: "NamespaceChange", plugins: sets.New("InterPodAffinity")}
)

func (s *Scheduler) addHandlers() {
	pods := s.factory.Core().V1().Pods().Informer()
	_, _ = pods.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) {
			p := asPod(obj)
			switch {
			case p == nil:
			case assigned(p):
				if !terminal(p) {
					s.cache.addPod(p)
					s.queue.move(evAssignedAdd)
				}
			case s.responsibleFor(p):
				s.queue.add(p)
			}
		},
		UpdateFunc: func(oldObj, newObj interface{}) {
			old, p := asPod(oldObj), asPod(newObj)
			if old == nil || p == nil {
				return
			}
			switch {
			case assigned(p):
				if !assigned(old) {
					s.queue.remove(p)
				}
				if terminal(p) {
					s.cache.removePod(p)
					s.queue.move(evAssignedDelete)
					return
				}
				if !assigned(old) {
					s.cache.addPod(p)
					s.queue.move(evAssignedAdd)
					return
				}
				s.cache.updatePod(p)
				if !sameLabels(old.Labels, p.Labels) || old.Generation != p.Generation {
					s.queue.move(evAssignedUpdate)
				}
			case s.responsibleFor(p):
				if p.DeletionTimestamp != nil {
					s.queue.remove(p)
					return
				}
				s.queue.update(old, p)
			}
		},
		DeleteFunc: func(obj interface{}) {
			p := asPod(obj)
			if p == nil {
				return
			}
			if assigned(p) {
				s.cache.removePod(p)
				s.queue.move(evAssignedDelete)
				return
			}
			s.queue.remove(p)
		},
	})
	nodes := s.factory.Core().V1().Nodes().Informer()
	_, _ = nodes.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) {
			if n := asNode(obj); n != nil {
				s.cache.addOrUpdateNode(n)
				s.queue.move(evNodeAdd)
			}
		},
		UpdateFunc: func(oldObj, newObj interface{}) {
			old, n := asNode(oldObj), asNode(newObj)
			if n == nil {
				return
			}
			s.cache.addOrUpdateNode(n)
			if old == nil || nodeSchedulingChanged(old, n) {
				s.queue.move(evNodeUpdate)
			}
		},
		DeleteFunc: func(obj interface{}) {
			if n := asNode(obj); n != nil {
				s.cache.removeNode(n.Name)
			}
		},
	})
	storage := toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(interface{}) { s.queue.move(evStorage) },
		UpdateFunc: func(interface{}, interface{}) { s.queue.move(evStorage) },
	}
	_, _ = s.factory.Core().V1().PersistentVolumes().Informer().AddEventHandler(storage)
	_, _ = s.factory.Core().V1().PersistentVolumeClaims().Informer().AddEventHandler(storage)
	_, _ = s.factory.Storage().V1().StorageClasses().Informer().AddEventHandler(storage)
	_, _ = s.factory.Core().V1().Namespaces().Informer().AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(interface{}) { s.queue.move(evNamespace) },
		UpdateFunc: func(interface{}, interface{}) { s.queue.move(evNamespace) },
	})
	s.factory.Policy().V1().PodDisruptionBudgets().Informer()
}

// nodeSchedulingChanged ignores heartbeat-only status updates.
func nodeSchedulingChanged(old, n *v1.Node) bool {
	if old.Spec.Unschedulable != n.Spec.Unschedulable || !sameLabels(old.Labels, n.Labels) {
		return true
	}
	if len(old.Spec.Taints) != len(n.Spec.Taints) {
		return true
	}
	for i := range n.Spec.Taints {
		if !old.Spec.Taints[i].MatchTaint(&n.Spec.Taints[i]) {
			return true
		}
	}
	if !equalResources(old.Status.Allocatable, n.Status.Allocatable) {
		return true
	}
	if len(old.Status.Images) != len(n.Status.Images) {
		return true
	}
	return false
}

func equalResources(a, b v1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || v.Cmp(w) != 0 {
			return false
		}
	}
	return true
}

// Run schedules pods one at a time until ctx ends; bindings run in the
// background.
func (s *Scheduler) Run(ctx context.Context) {
	s.broadcaster.StartRecordingToSink(ctx.Done())
	go s.queue.run(ctx)
	go func() {
		<-ctx.Done()
		s.broadcaster.Shutdown()
	}()
	for ctx.Err() == nil {
		qpi := s.queue.pop()
		if qpi == nil {
			return
		}
		s.scheduleOne(ctx, qpi)
	}
}

func (s *Scheduler) scheduleOne(ctx context.Context, qpi *fw.QueuedPodInfo) {
	pod := qpi.Pod
	f := s.profiles[pod.Spec.SchedulerName]
	if f == nil || pod.DeletionTimestamp != nil || s.cache.isAssumed(pod.UID) {
		s.queue.done(pod.UID)
		return
	}
	cycle := s.queue.cycle()
	start := time.Now()
	s.cache.updateSnapshot(s.snapshot)
	for _, p := range s.profiles {
		p.SetSnapshot(s.snapshot)
	}
	state := fw.NewCycleState()
	host, numFeasible, err := s.schedulePod(ctx, f, state, pod)
	if err != nil {
		var nominated *fw.PostFilterResult
		status := fw.AsStatus(err)
		var fe *fitError
		switch {
		case errors.As(err, &fe):
			if f.HasPostFilter() {
				r, ps := f.RunPostFilterPlugins(ctx, state, pod, &fe.diagnosis.statuses)
				if ps.IsSuccess() && r != nil && r.NominatedNodeName != "" {
					nominated = r
				} else if r != nil && r.Clear {
					nominated = r
				}
				if !ps.IsSuccess() && ps.Code() != fw.Error {
					fe.diagnosis.postFilterMsg = ps.Message()
				} else if ps.Code() == fw.Error {
					klog.ErrorS(ps.AsError(), "Status after running PostFilter plugins for pod", "pod", klog.KObj(pod))
				}
			}
			status = fw.NewStatus(fw.Unschedulable, fe.Error())
			qpi.UnschedulablePlugins = fe.diagnosis.unschedulablePlugins
		case err.Error() == errNoNodesAvailable:
			status = fw.NewStatus(fw.UnschedulableAndUnresolvable, errNoNodesAvailable)
			qpi.UnschedulablePlugins = nil
		}
		s.handleFailure(ctx, f, qpi, status, nominated, cycle)
		return
	}
	_ = numFeasible
	_ = start
	assumed := pod.DeepCopy()
	assumed.Spec.NodeName = host
	if err := s.cache.assume(assumed); err != nil {
		s.handleFailure(ctx, f, qpi, fw.AsStatus(err), nil, cycle)
		return
	}
	if st := f.RunReservePlugins(ctx, state, assumed, host); !st.IsSuccess() {
		f.RunUnreservePlugins(ctx, state, assumed, host)
		s.cache.forget(assumed)
		s.handleFailure(ctx, f, qpi, st, nil, cycle)
		return
	}
	if st := f.RunPermitPlugins(ctx, state, assumed, host); !st.IsSuccess() && !st.IsWait() {
		f.RunUnreservePlugins(ctx, state, assumed, host)
		s.cache.forget(assumed)
		s.handleFailure(ctx, f, qpi, st, nil, cycle)
		return
	}
	// A pod that ran while it was nominated elsewhere drops the nomination.
	s.queue.nominate(pod, "")
	go s.bind(ctx, f, state, qpi, assumed, host, cycle)
}

func (s *Scheduler) bind(ctx context.Context, f *fw.Framework, state *fw.CycleState, qpi *fw.QueuedPodInfo, assumed *v1.Pod, host string, cycle int64) {
	fail := func(st *fw.Status) {
		f.RunUnreservePlugins(ctx, state, assumed, host)
		s.cache.forget(assumed)
		// What the pod held is free again.
		s.queue.move(evAssignedDelete)
		s.handleFailure(ctx, f, qpi, st, nil, cycle)
	}
	if st := f.WaitOnPermit(ctx, assumed); !st.IsSuccess() {
		fail(st)
		return
	}
	if st := f.RunPreBindPlugins(ctx, state, assumed, host); !st.IsSuccess() {
		fail(st)
		return
	}
	if st := f.RunBindPlugins(ctx, state, assumed, host); !st.IsSuccess() {
		fail(st)
		return
	}
	s.queue.done(assumed.UID)
	f.EventRecorder().Eventf(assumed, nil, v1.EventTypeNormal, "Scheduled", "Binding", "Successfully assigned %v/%v to %v", assumed.Namespace, assumed.Name, host)
	f.RunPostBindPlugins(ctx, state, assumed, host)
}

// numFeasibleNodesToFind is upstream's adaptive cut-off: in big clusters
// the scheduler stops filtering after finding enough feasible nodes.
func numFeasibleNodesToFind(pct int32, numAll int) int {
	const minFeasible = 100
	if numAll < minFeasible || pct >= 100 {
		return numAll
	}
	if pct <= 0 {
		pct = int32(50 - numAll/125)
		if pct < 5 {
			pct = 5
		}
	}
	n := numAll * int(pct) / 100
	if n < minFeasible {
		return minFeasible
	}
	return n
}

func (s *Scheduler) percentage(f *fw.Framework) int32 {
	for _, p := range s.cfg.Profiles {
		if p.SchedulerName == f.ProfileName() && p.PercentageOfNodesToScore != nil {
			return *p.PercentageOfNodesToScore
		}
	}
	return s.cfg.PercentageOfNodesToScore
}

// schedulePod filters and scores; it returns the chosen node.
func (s *Scheduler) schedulePod(ctx context.Context, f *fw.Framework, state *fw.CycleState, pod *v1.Pod) (string, int, error) {
	all := s.snapshot.NodeInfoList
	if len(all) == 0 {
		return "", 0, errors.New(errNoNodesAvailable)
	}
	feasible, diag, err := s.findNodesThatFit(ctx, f, state, pod)
	if err != nil {
		return "", 0, err
	}
	if len(feasible) == 0 {
		return "", 0, &fitError{numAllNodes: len(all), diagnosis: diag}
	}
	if len(feasible) == 1 {
		return feasible[0].Node().Name, 1, nil
	}
	if st := f.RunPreScorePlugins(ctx, state, pod, feasible); !st.IsSuccess() {
		return "", 0, st.AsError()
	}
	scores, st := f.RunScorePlugins(ctx, state, pod, feasible)
	if !st.IsSuccess() {
		return "", 0, st.AsError()
	}
	return selectHost(feasible, scores), len(feasible), nil
}

// selectHost picks a top-scoring node, uniformly among ties.
func selectHost(nodes []*fw.NodeInfo, scores []int64) string {
	best, ties := 0, 1
	for i := 1; i < len(nodes); i++ {
		switch {
		case scores[i] > scores[best]:
			best, ties = i, 1
		case scores[i] == scores[best]:
			ties++
			if rand.IntN(ties) == 0 {
				best = i
			}
		}
	}
	return nodes[best].Node().Name
}

func (s *Scheduler) findNodesThatFit(ctx context.Context, f *fw.Framework, state *fw.CycleState, pod *v1.Pod) ([]*fw.NodeInfo, diagnosis, error) {
	all := s.snapshot.NodeInfoList
	diag := diagnosis{statuses: fw.NodeToStatus{Map: map[string]*fw.Status{}}, unschedulablePlugins: sets.New[string]()}
	pre, st, rejectors := f.RunPreFilterPlugins(ctx, state, pod, all)
	diag.unschedulablePlugins = rejectors
	if !st.IsSuccess() {
		if !st.IsRejected() {
			return nil, diag, st.AsError()
		}
		diag.statuses.AbsentStatus = st
		diag.preFilterMsg = st.Message()
		return nil, diag, nil
	}
	// A pod nominated by an earlier preemption tries its node first.
	if nn := pod.Status.NominatedNodeName; nn != "" {
		if ni, err := s.snapshot.Get(nn); err == nil && (pre.AllNodes() || pre.NodeNames.Has(nn)) {
			if f.RunFilterPluginsWithNominatedPods(ctx, state, pod, ni).IsSuccess() {
				return []*fw.NodeInfo{ni}, diag, nil
			}
		}
	}
	nodes := all
	if !pre.AllNodes() {
		nodes = make([]*fw.NodeInfo, 0, pre.NodeNames.Len())
		for name := range pre.NodeNames {
			if ni, err := s.snapshot.Get(name); err == nil {
				nodes = append(nodes, ni)
			}
		}
		diag.statuses.AbsentStatus = fw.NewStatus(fw.UnschedulableAndUnresolvable, "node(s) didn't satisfy plugin(s) [NodeAffinity]")
	}
	want := numFeasibleNodesToFind(s.percentage(f), len(nodes))
	if !f.HasScorePlugins() {
		want = 1
	}
	feasible := make([]*fw.NodeInfo, want)
	statuses := make([]*fw.Status, len(nodes))
	var found, processed atomic.Int32
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := 0
	if len(nodes) > 0 {
		start = s.nextStart % len(nodes)
	}
	f.Parallelize(fctx, len(nodes), func(i int) {
		ni := nodes[(start+i)%len(nodes)]
		st := f.RunFilterPluginsWithNominatedPods(fctx, state, pod, ni)
		if st.IsSuccess() {
			n := found.Add(1)
			if int(n) > want {
				cancel()
				found.Add(-1)
				return
			}
			feasible[n-1] = ni
		} else {
			statuses[i] = st
		}
		processed.Add(1)
	})
	s.nextStart = (start + int(processed.Load())) % max(len(nodes), 1)
	feasible = feasible[:found.Load()]
	var firstErr *fw.Status
	for i, st := range statuses {
		if st == nil {
			continue
		}
		if !st.IsRejected() {
			if firstErr == nil {
				firstErr = st
			}
			continue
		}
		diag.statuses.Map[nodes[(start+i)%len(nodes)].Node().Name] = st
		diag.unschedulablePlugins.Insert(st.Plugin())
	}
	if firstErr != nil && len(feasible) == 0 {
		return nil, diag, firstErr.AsError()
	}
	return feasible, diag, nil
}

// handleFailure records FailedScheduling, sets the PodScheduled
// condition and requeues the pod.
func (s *Scheduler) handleFailure(ctx context.Context, f *fw.Framework, qpi *fw.QueuedPodInfo, st *fw.Status, nominated *fw.PostFilterResult, cycle int64) {
	pod := qpi.Pod
	reason := v1.PodReasonSchedulerError
	if st.IsRejected() {
		reason = v1.PodReasonUnschedulable
	} else {
		klog.ErrorS(st.AsError(), "Error scheduling pod; retrying", "pod", klog.KObj(pod))
	}
	cached, err := s.podLister.Pods(pod.Namespace).Get(pod.Name)
	if err != nil || cached.UID != pod.UID {
		s.queue.done(pod.UID)
		return
	}
	if assigned(cached) {
		s.queue.done(pod.UID)
		return
	}
	s.queue.requeue(qpi, cycle, cached)
	nodeName := ""
	if nominated != nil {
		nodeName = nominated.NominatedNodeName
		s.queue.nominate(cached, nodeName)
	}
	msg := st.Message()
	f.EventRecorder().Eventf(cached, nil, v1.EventTypeWarning, "FailedScheduling", "Scheduling", truncate(msg))
	// The status write leaves the scheduling cycle (upstream's async API
	// calls); the patch carries the resourceVersion it was computed from,
	// so it never undoes a later binding.
	go func() {
		if err := s.updatePodStatus(ctx, cached, reason, msg, nominated); err != nil && !apierrors.IsNotFound(err) && ctx.Err() == nil {
			klog.ErrorS(err, "Error updating pod", "pod", klog.KObj(pod))
		}
	}()
}

// truncate keeps an event note within the API's 1 KiB limit.
func truncate(msg string) string {
	const limit = 1024
	if len(msg) <= limit {
		return msg
	}
	return msg[:limit-4] + " ..."
}

// updatePodStatus patches the PodScheduled condition (and the nominated
// node) when they change. The patch carries the resourceVersion it was
// computed from, so it cannot undo a binding that happened meanwhile; on
// a conflict it re-reads the pod and tries again while it is unbound.
func (s *Scheduler) updatePodStatus(ctx context.Context, p *v1.Pod, reason, msg string, nominated *fw.PostFilterResult) error {
	for attempt := 0; ; attempt++ {
		patch := podStatusPatch(p, reason, msg, nominated)
		if patch == nil {
			return nil
		}
		_, err := s.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
		if !apierrors.IsConflict(err) || attempt == 3 {
			return err
		}
		if p, err = s.client.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{}); err != nil {
			return err
		}
		if assigned(p) || p.DeletionTimestamp != nil {
			return nil
		}
	}
}

func podStatusPatch(p *v1.Pod, reason, msg string, nominated *fw.PostFilterResult) []byte {
	var cur *v1.PodCondition
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == v1.PodScheduled {
			cur = &p.Status.Conditions[i]
		}
	}
	nominatedChanged := nominated != nil && (nominated.NominatedNodeName != p.Status.NominatedNodeName)
	condChanged := cur == nil || cur.Status != v1.ConditionFalse || cur.Reason != reason || cur.Message != msg
	if !condChanged && !nominatedChanged {
		return nil
	}
	cond := map[string]interface{}{
		"type": v1.PodScheduled, "status": v1.ConditionFalse, "reason": reason, "message": msg,
		"lastProbeTime": nil,
	}
	if p.Generation > 0 {
		cond["observedGeneration"] = p.Generation
	}
	if cur == nil || cur.Status != v1.ConditionFalse {
		cond["lastTransitionTime"] = metav1.Now().UTC().Format(time.RFC3339)
	} else {
		cond["lastTransitionTime"] = cur.LastTransitionTime.UTC().Format(time.RFC3339)
	}
	status := map[string]interface{}{"conditions": []interface{}{cond}}
	if nominatedChanged {
		if nominated.NominatedNodeName == "" {
			status["nominatedNodeName"] = nil
		} else {
			status["nominatedNodeName"] = nominated.NominatedNodeName
		}
	}
	patch, _ := json.Marshal(map[string]interface{}{
		"metadata": map[string]interface{}{"uid": p.UID, "resourceVersion": p.ResourceVersion},
		"status":   status,
	})
	return patch
}

// Pending reports the queue's sizes (active, backoff, unschedulable).
func (s *Scheduler) Pending() (int, int, int) { return s.queue.pending() }
