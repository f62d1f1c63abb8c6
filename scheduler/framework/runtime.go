package framework

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
)

// PluginRef is an enabled plugin at one extension point.
type PluginRef struct {
	Name   string
	Weight int32
}

// PluginSet is one extension point's configuration.
type PluginSet struct {
	Enabled []PluginRef
	// Disabled names plugins of MultiPoint not to run here ("*": all).
	Disabled []string
}

// ProfilePlugins configures a profile's plugins as KubeSchedulerProfile
// does: MultiPoint plugins run at every extension point they implement,
// unless disabled there; plugins enabled at a point run there first.
type ProfilePlugins struct {
	MultiPoint []PluginRef
	PreEnqueue, QueueSort, PreFilter, Filter, PostFilter, PreScore, Score,
	Reserve, Permit, PreBind, Bind, PostBind PluginSet
}

// Nominator knows the pods preemption nominated to nodes.
type Nominator interface {
	NominatedPodsForNode(nodeName string) []*PodInfo
}

// Options are a Framework's dependencies.
type Options struct {
	Client          kubernetes.Interface
	InformerFactory informers.SharedInformerFactory
	Recorder        events.EventRecorder
	Nominator       Nominator
	Parallelism     int
	// Args are plugin args by plugin name.
	Args map[string]runtime.Object
}

type scorePlugin struct {
	ScorePlugin
	weight int64
}

// Framework runs one profile's plugins.
type Framework struct {
	profileName string
	opts        Options
	snapshot    *Snapshot

	preEnqueue []PreEnqueuePlugin
	queueSort  QueueSortPlugin
	preFilter  []PreFilterPlugin
	filter     []FilterPlugin
	postFilter []PostFilterPlugin
	preScore   []PreScorePlugin
	score      []scorePlugin
	reserve    []ReservePlugin
	permit     []PermitPlugin
	preBind    []PreBindPlugin
	bind       []BindPlugin
	postBind   []PostBindPlugin

	waitingMu sync.Mutex
	waiting   map[string]*waitingPod
}

// NewFramework instantiates the profile's plugins from registry.
func NewFramework(ctx context.Context, registry map[string]Factory, profileName string, pp ProfilePlugins, o Options) (*Framework, error) {
	if o.Parallelism <= 0 {
		o.Parallelism = 16
	}
	f := &Framework{profileName: profileName, opts: o, snapshot: NewEmptySnapshot(), waiting: map[string]*waitingPod{}}
	instances := map[string]Plugin{}
	get := func(name string) (Plugin, error) {
		if p, ok := instances[name]; ok {
			return p, nil
		}
		factory, ok := registry[name]
		if !ok {
			return nil, fmt.Errorf("plugin %q does not exist", name)
		}
		p, err := factory(ctx, o.Args[name], f)
		if err != nil {
			return nil, fmt.Errorf("initializing plugin %q: %w", name, err)
		}
		instances[name] = p
		return p, nil
	}
	type point struct {
		set  PluginSet
		name string
		is   func(Plugin) bool
		add  func(Plugin, PluginRef)
	}
	points := []point{
		{pp.PreEnqueue, "PreEnqueue", is[PreEnqueuePlugin], func(p Plugin, _ PluginRef) { f.preEnqueue = append(f.preEnqueue, p.(PreEnqueuePlugin)) }},
		{pp.QueueSort, "QueueSort", is[QueueSortPlugin], func(p Plugin, _ PluginRef) { f.queueSort = p.(QueueSortPlugin) }},
		{pp.PreFilter, "PreFilter", is[PreFilterPlugin], func(p Plugin, _ PluginRef) { f.preFilter = append(f.preFilter, p.(PreFilterPlugin)) }},
		{pp.Filter, "Filter", is[FilterPlugin], func(p Plugin, _ PluginRef) { f.filter = append(f.filter, p.(FilterPlugin)) }},
		{pp.PostFilter, "PostFilter", is[PostFilterPlugin], func(p Plugin, _ PluginRef) { f.postFilter = append(f.postFilter, p.(PostFilterPlugin)) }},
		{pp.PreScore, "PreScore", is[PreScorePlugin], func(p Plugin, _ PluginRef) { f.preScore = append(f.preScore, p.(PreScorePlugin)) }},
		{pp.Score, "Score", is[ScorePlugin], func(p Plugin, r PluginRef) {
			w := int64(r.Weight)
			if w == 0 {
				w = 1
			}
			f.score = append(f.score, scorePlugin{p.(ScorePlugin), w})
		}},
		{pp.Reserve, "Reserve", is[ReservePlugin], func(p Plugin, _ PluginRef) { f.reserve = append(f.reserve, p.(ReservePlugin)) }},
		{pp.Permit, "Permit", is[PermitPlugin], func(p Plugin, _ PluginRef) { f.permit = append(f.permit, p.(PermitPlugin)) }},
		{pp.PreBind, "PreBind", is[PreBindPlugin], func(p Plugin, _ PluginRef) { f.preBind = append(f.preBind, p.(PreBindPlugin)) }},
		{pp.Bind, "Bind", is[BindPlugin], func(p Plugin, _ PluginRef) { f.bind = append(f.bind, p.(BindPlugin)) }},
		{pp.PostBind, "PostBind", is[PostBindPlugin], func(p Plugin, _ PluginRef) { f.postBind = append(f.postBind, p.(PostBindPlugin)) }},
	}
	for _, pt := range points {
		seen := sets.New[string]()
		for _, r := range pt.set.Enabled {
			p, err := get(r.Name)
			if err != nil {
				return nil, err
			}
			if !pt.is(p) {
				return nil, fmt.Errorf("plugin %q does not extend %s plugin", r.Name, pt.name)
			}
			if seen.Has(r.Name) {
				return nil, fmt.Errorf("plugin %q already registered as %q", r.Name, pt.name)
			}
			seen.Insert(r.Name)
			pt.add(p, r)
		}
		disabled := sets.New(pt.set.Disabled...)
		if disabled.Has("*") {
			continue
		}
		for _, r := range pp.MultiPoint {
			if seen.Has(r.Name) || disabled.Has(r.Name) {
				continue
			}
			p, err := get(r.Name)
			if err != nil {
				return nil, err
			}
			if !pt.is(p) {
				continue
			}
			if pt.name == "QueueSort" && f.queueSort != nil {
				continue
			}
			seen.Insert(r.Name)
			pt.add(p, r)
		}
	}
	if f.queueSort == nil {
		return nil, fmt.Errorf("profile %q: no queue sort plugin is enabled", profileName)
	}
	if len(f.bind) == 0 {
		return nil, fmt.Errorf("profile %q: at least one bind plugin is needed", profileName)
	}
	return f, nil
}

func is[T any](p Plugin) bool {
	_, ok := p.(T)
	return ok
}

// ProfileName is the scheduler name this framework serves.
func (f *Framework) ProfileName() string { return f.profileName }

// SetSnapshot sets the snapshot plugins see this cycle.
func (f *Framework) SetSnapshot(s *Snapshot) { f.snapshot = s }

// Snapshot implements Handle.
func (f *Framework) Snapshot() *Snapshot { return f.snapshot }

// ClientSet implements Handle.
func (f *Framework) ClientSet() kubernetes.Interface { return f.opts.Client }

// SharedInformerFactory implements Handle.
func (f *Framework) SharedInformerFactory() informers.SharedInformerFactory {
	return f.opts.InformerFactory
}

// EventRecorder implements Handle.
func (f *Framework) EventRecorder() events.EventRecorder { return f.opts.Recorder }

// Parallelism implements Handle.
func (f *Framework) Parallelism() int { return f.opts.Parallelism }

// NominatedPodsForNode implements Handle.
func (f *Framework) NominatedPodsForNode(name string) []*PodInfo {
	if f.opts.Nominator == nil {
		return nil
	}
	return f.opts.Nominator.NominatedPodsForNode(name)
}

// Parallelize runs work(i) for i in [0,n) on Parallelism goroutines.
func (f *Framework) Parallelize(ctx context.Context, n int, work func(i int)) {
	chunk := 1
	if r := n / (f.opts.Parallelism * 4); r > 1 {
		chunk = r
	}
	workqueue.ParallelizeUntil(ctx, f.opts.Parallelism, n, work, workqueue.WithChunkSize(chunk))
}

// QueueSortLess orders the active queue.
func (f *Framework) QueueSortLess(a, b *QueuedPodInfo) bool { return f.queueSort.Less(a, b) }

// HasPostFilter is true when a PostFilter plugin (preemption) is enabled.
func (f *Framework) HasPostFilter() bool { return len(f.postFilter) > 0 }

// HasScorePlugins is true when any score plugin is enabled.
func (f *Framework) HasScorePlugins() bool { return len(f.score) > 0 }

// RunPreEnqueuePlugins returns the first plugin's rejection.
func (f *Framework) RunPreEnqueuePlugins(ctx context.Context, pod *v1.Pod) *Status {
	for _, p := range f.preEnqueue {
		if s := p.PreEnqueue(ctx, pod); !s.IsSuccess() {
			return s.WithPlugin(p.Name())
		}
	}
	return nil
}

// RunPreFilterPlugins runs every PreFilter plugin. A rejection stops the
// cycle (its message is the PreFilter message); Skip marks the plugin's
// Filter to be skipped. It returns the plugins that rejected the pod.
func (f *Framework) RunPreFilterPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo) (*PreFilterResult, *Status, sets.Set[string]) {
	var result *PreFilterResult
	skip := sets.New[string]()
	rejectors := sets.New[string]()
	var returned *Status
	for _, p := range f.preFilter {
		r, s := p.PreFilter(ctx, state, pod, nodes)
		if s.IsSkip() {
			skip.Insert(p.Name())
			continue
		}
		if !s.IsSuccess() {
			s.WithPlugin(p.Name())
			if s.IsRejected() {
				rejectors.Insert(p.Name())
				if returned == nil {
					returned = s
				}
				continue
			}
			return nil, s, rejectors
		}
		if !r.AllNodes() {
			result = result.Merge(r)
			if result.NodeNames.Len() == 0 && returned == nil {
				returned = NewStatus(UnschedulableAndUnresolvable, "node(s) didn't satisfy plugin(s) ["+p.Name()+"] simultaneously").WithPlugin(p.Name())
				rejectors.Insert(p.Name())
			}
		}
	}
	state.SkipFilterPlugins = skip
	return result, returned, rejectors
}

// RunPreFilterExtensionAddPod updates PreFilter state as if podInfoToAdd
// ran on nodeInfo.
func (f *Framework) RunPreFilterExtensionAddPod(ctx context.Context, state *CycleState, podToSchedule *v1.Pod, podInfoToAdd *PodInfo, nodeInfo *NodeInfo) *Status {
	for _, p := range f.preFilter {
		if state.SkipFilterPlugins.Has(p.Name()) {
			continue
		}
		if ext := p.PreFilterExtensions(); ext != nil {
			if s := ext.AddPod(ctx, state, podToSchedule, podInfoToAdd, nodeInfo); !s.IsSuccess() {
				return s.WithPlugin(p.Name())
			}
		}
	}
	return nil
}

// RunPreFilterExtensionRemovePod updates PreFilter state as if
// podInfoToRemove were gone from nodeInfo.
func (f *Framework) RunPreFilterExtensionRemovePod(ctx context.Context, state *CycleState, podToSchedule *v1.Pod, podInfoToRemove *PodInfo, nodeInfo *NodeInfo) *Status {
	for _, p := range f.preFilter {
		if state.SkipFilterPlugins.Has(p.Name()) {
			continue
		}
		if ext := p.PreFilterExtensions(); ext != nil {
			if s := ext.RemovePod(ctx, state, podToSchedule, podInfoToRemove, nodeInfo); !s.IsSuccess() {
				return s.WithPlugin(p.Name())
			}
		}
	}
	return nil
}

// RunFilterPlugins returns the first plugin's rejection for nodeInfo.
func (f *Framework) RunFilterPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, nodeInfo *NodeInfo) *Status {
	for _, p := range f.filter {
		if state.SkipFilterPlugins.Has(p.Name()) {
			continue
		}
		if s := p.Filter(ctx, state, pod, nodeInfo); !s.IsSuccess() {
			if !s.IsRejected() {
				s = AsStatus(fmt.Errorf("running %q filter plugin: %w", p.Name(), s.AsError()))
			}
			return s.WithPlugin(p.Name())
		}
	}
	return nil
}

// RunFilterPluginsWithNominatedPods filters twice when higher-or-equal
// priority pods are nominated to the node: once as if they ran there (so
// the pod does not take their place) and once without them (so
// anti-affinity with them does not help the pod).
func (f *Framework) RunFilterPluginsWithNominatedPods(ctx context.Context, state *CycleState, pod *v1.Pod, nodeInfo *NodeInfo) *Status {
	var nominated []*PodInfo
	if f.opts.Nominator != nil && nodeInfo.Node() != nil {
		prio := corev1helpers.PodPriority(pod)
		for _, pi := range f.opts.Nominator.NominatedPodsForNode(nodeInfo.Node().Name) {
			if pi.Pod.UID != pod.UID && corev1helpers.PodPriority(pi.Pod) >= prio {
				nominated = append(nominated, pi)
			}
		}
	}
	if len(nominated) > 0 {
		s2 := state.Clone()
		n2 := nodeInfo.Clone()
		for _, pi := range nominated {
			n2.AddPodInfo(pi)
			if s := f.RunPreFilterExtensionAddPod(ctx, s2, pod, pi, n2); !s.IsSuccess() {
				return s
			}
		}
		if s := f.RunFilterPlugins(ctx, s2, pod, n2); !s.IsSuccess() {
			return s
		}
	}
	return f.RunFilterPlugins(ctx, state, pod, nodeInfo)
}

// RunPostFilterPlugins runs until one succeeds or errors.
func (f *Framework) RunPostFilterPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, statuses *NodeToStatus) (*PostFilterResult, *Status) {
	var result *PostFilterResult
	var msgs []string
	for _, p := range f.postFilter {
		r, s := p.PostFilter(ctx, state, pod, statuses)
		if s.IsSuccess() {
			return r, s
		}
		if !s.IsRejected() {
			return nil, s.WithPlugin(p.Name())
		}
		if r != nil {
			result = r
		}
		msgs = append(msgs, s.Message())
	}
	return result, NewStatus(Unschedulable, msgs...)
}

// RunPreScorePlugins prepares scoring.
func (f *Framework) RunPreScorePlugins(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo) *Status {
	skip := sets.New[string]()
	for _, p := range f.preScore {
		s := p.PreScore(ctx, state, pod, nodes)
		if s.IsSkip() {
			skip.Insert(p.Name())
			continue
		}
		if !s.IsSuccess() {
			return AsStatus(fmt.Errorf("running PreScore plugin %q: %w", p.Name(), s.AsError()))
		}
	}
	state.SkipScorePlugins = skip
	return nil
}

// RunScorePlugins returns each node's weighted total score.
func (f *Framework) RunScorePlugins(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo) ([]int64, *Status) {
	active := make([]scorePlugin, 0, len(f.score))
	for _, p := range f.score {
		if !state.SkipScorePlugins.Has(p.Name()) {
			active = append(active, p)
		}
	}
	totals := make([]int64, len(nodes))
	if len(active) == 0 {
		return totals, nil
	}
	scores := make([][]NodeScore, len(active))
	for i := range scores {
		scores[i] = make([]NodeScore, len(nodes))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var errOnce sync.Once
	var firstErr *Status
	fail := func(s *Status) {
		errOnce.Do(func() { firstErr = s; cancel() })
	}
	f.Parallelize(ctx, len(nodes), func(i int) {
		name := nodes[i].Node().Name
		for j, p := range active {
			v, s := p.Score(ctx, state, pod, nodes[i])
			if !s.IsSuccess() {
				fail(AsStatus(fmt.Errorf("running Score plugin %q: %w", p.Name(), s.AsError())))
				return
			}
			scores[j][i] = NodeScore{Name: name, Score: v}
		}
	})
	if firstErr != nil {
		return nil, firstErr
	}
	for j, p := range active {
		if ext := p.ScoreExtensions(); ext != nil {
			if s := ext.NormalizeScore(ctx, state, pod, scores[j]); !s.IsSuccess() {
				return nil, AsStatus(fmt.Errorf("running NormalizeScore of %q: %w", p.Name(), s.AsError()))
			}
		}
		for i := range nodes {
			v := scores[j][i].Score
			if v < MinNodeScore || v > MaxNodeScore {
				return nil, AsStatus(fmt.Errorf("plugin %q returns an invalid score %v, it should in the range of [%v, %v] after normalizing", p.Name(), v, MinNodeScore, MaxNodeScore))
			}
			totals[i] += v * p.weight
		}
	}
	return totals, nil
}

// RunReservePlugins reserves; on failure the caller runs Unreserve.
func (f *Framework) RunReservePlugins(ctx context.Context, state *CycleState, pod *v1.Pod, node string) *Status {
	for _, p := range f.reserve {
		if s := p.Reserve(ctx, state, pod, node); !s.IsSuccess() {
			if !s.IsRejected() {
				s = AsStatus(fmt.Errorf("running Reserve plugin %q: %w", p.Name(), s.AsError()))
			}
			return s.WithPlugin(p.Name())
		}
	}
	return nil
}

// RunUnreservePlugins undoes Reserve in reverse order.
func (f *Framework) RunUnreservePlugins(ctx context.Context, state *CycleState, pod *v1.Pod, node string) {
	for i := len(f.reserve) - 1; i >= 0; i-- {
		f.reserve[i].Unreserve(ctx, state, pod, node)
	}
}

type waitingPod struct {
	pod     *v1.Pod
	pending map[string]*time.Timer
	mu      sync.Mutex
	done    chan *Status
}

// RunPermitPlugins returns Wait when a plugin asks to wait; then
// WaitOnPermit blocks until every waiting plugin allows or one rejects.
func (f *Framework) RunPermitPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, node string) *Status {
	waits := map[string]time.Duration{}
	for _, p := range f.permit {
		s, timeout := p.Permit(ctx, state, pod, node)
		if s.IsWait() {
			if timeout > 15*time.Minute {
				timeout = 15 * time.Minute
			}
			waits[p.Name()] = timeout
			continue
		}
		if !s.IsSuccess() {
			if !s.IsRejected() {
				s = AsStatus(fmt.Errorf("running Permit plugin %q: %w", p.Name(), s.AsError()))
			}
			return s.WithPlugin(p.Name())
		}
	}
	if len(waits) == 0 {
		return nil
	}
	wp := &waitingPod{pod: pod, pending: map[string]*time.Timer{}, done: make(chan *Status, 1)}
	for name, d := range waits {
		name := name
		wp.pending[name] = time.AfterFunc(d, func() {
			wp.reject(name, fmt.Sprintf("rejected due to timeout after waiting %v at plugin %v", d, name))
		})
	}
	f.waitingMu.Lock()
	f.waiting[string(pod.UID)] = wp
	f.waitingMu.Unlock()
	return NewStatus(Wait)
}

func (wp *waitingPod) reject(plugin, msg string) {
	wp.mu.Lock()
	defer wp.mu.Unlock()
	for _, t := range wp.pending {
		t.Stop()
	}
	select {
	case wp.done <- NewStatus(Unschedulable, msg).WithPlugin(plugin):
	default:
	}
}

// Allow approves a waiting pod on behalf of plugin.
func (f *Framework) Allow(uid, plugin string) {
	f.waitingMu.Lock()
	wp := f.waiting[uid]
	f.waitingMu.Unlock()
	if wp == nil {
		return
	}
	wp.mu.Lock()
	defer wp.mu.Unlock()
	if t, ok := wp.pending[plugin]; ok {
		t.Stop()
		delete(wp.pending, plugin)
	}
	if len(wp.pending) == 0 {
		select {
		case wp.done <- nil:
		default:
		}
	}
}

// Reject rejects a waiting pod.
func (f *Framework) Reject(uid, plugin, msg string) {
	f.waitingMu.Lock()
	wp := f.waiting[uid]
	f.waitingMu.Unlock()
	if wp != nil {
		wp.reject(plugin, msg)
	}
}

// WaitOnPermit blocks while the pod waits for permit plugins.
func (f *Framework) WaitOnPermit(ctx context.Context, pod *v1.Pod) *Status {
	f.waitingMu.Lock()
	wp := f.waiting[string(pod.UID)]
	f.waitingMu.Unlock()
	if wp == nil {
		return nil
	}
	defer func() {
		f.waitingMu.Lock()
		delete(f.waiting, string(pod.UID))
		f.waitingMu.Unlock()
	}()
	select {
	case s := <-wp.done:
		return s
	case <-ctx.Done():
		return AsStatus(ctx.Err())
	}
}

// RunPreBindPlugins runs PreBind.
func (f *Framework) RunPreBindPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, node string) *Status {
	for _, p := range f.preBind {
		if s := p.PreBind(ctx, state, pod, node); !s.IsSuccess() && !s.IsSkip() {
			if !s.IsRejected() {
				s = AsStatus(fmt.Errorf("running PreBind plugin %q: %w", p.Name(), s.AsError()))
			}
			return s.WithPlugin(p.Name())
		}
	}
	return nil
}

// RunBindPlugins runs binders until one does not Skip.
func (f *Framework) RunBindPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, node string) *Status {
	for _, p := range f.bind {
		s := p.Bind(ctx, state, pod, node)
		if s.IsSkip() {
			continue
		}
		if !s.IsSuccess() {
			return s.WithPlugin(p.Name())
		}
		return nil
	}
	return NewStatus(Skip)
}

// RunPostBindPlugins informs PostBind plugins.
func (f *Framework) RunPostBindPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, node string) {
	for _, p := range f.postBind {
		p.PostBind(ctx, state, pod, node)
	}
}

// ScorePluginNames lists the score plugins with weights (for tests/logs).
func (f *Framework) ScorePluginNames() []string {
	var out []string
	for _, p := range f.score {
		out = append(out, fmt.Sprintf("%s:%d", p.Name(), p.weight))
	}
	sort.Strings(out)
	return out
}
