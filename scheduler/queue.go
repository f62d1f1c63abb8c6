package scheduler

import (
	"container/heap"
	"context"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
)

// event is a cluster change that may make unschedulable pods fit; plugins
// lists which plugins' rejections it can undo (nil: any).
type event struct {
	name    string
	plugins sets.Set[string]
}

// queue holds pending pods in three parts, as upstream's: active (ready
// to be tried, ordered by QueueSort), backoff (failed recently, waiting
// out an exponential backoff), and unschedulable (waiting for a cluster
// event that may help, or for their scheduling gates to be removed).
type queue struct {
	mu   sync.Mutex
	cond *sync.Cond

	less          func(a, b *fw.QueuedPodInfo) bool
	preEnqueue    func(p *v1.Pod) *fw.Status
	active        *podHeap
	backoff       *podHeap
	unschedulable map[types.UID]*fw.QueuedPodInfo
	inFlight      map[types.UID]bool

	initialBackoff, maxBackoff time.Duration
	maxInUnschedulable         time.Duration

	schedulingCycle int64
	// moveRequestCycle is the cycle of the last cluster event; a pod that
	// failed in an earlier-or-same cycle may have missed it, so it goes to
	// backoff rather than unschedulable.
	moveRequestCycle int64

	nominated    map[string][]*fw.PodInfo
	nominatedFor map[types.UID]string

	closed bool
	now    func() time.Time
}

func newQueue(less func(a, b *fw.QueuedPodInfo) bool, preEnqueue func(*v1.Pod) *fw.Status, initialBackoff, maxBackoff time.Duration) *queue {
	q := &queue{
		less:               less,
		preEnqueue:         preEnqueue,
		unschedulable:      map[types.UID]*fw.QueuedPodInfo{},
		inFlight:           map[types.UID]bool{},
		initialBackoff:     initialBackoff,
		maxBackoff:         maxBackoff,
		maxInUnschedulable: 5 * time.Minute,
		nominated:          map[string][]*fw.PodInfo{},
		nominatedFor:       map[types.UID]string{},
		now:                time.Now,
	}
	q.cond = sync.NewCond(&q.mu)
	q.active = &podHeap{less: less, index: map[types.UID]int{}}
	q.backoff = &podHeap{less: func(a, b *fw.QueuedPodInfo) bool { return q.backoffExpiry(a).Before(q.backoffExpiry(b)) }, index: map[types.UID]int{}}
	return q
}

// run flushes backoff and long-unschedulable pods until ctx ends.
func (q *queue) run(ctx context.Context) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			q.mu.Lock()
			q.closed = true
			q.cond.Broadcast()
			q.mu.Unlock()
			return
		case <-tick.C:
			q.flushBackoff()
			if time.Since(last) > 30*time.Second {
				last = time.Now()
				q.flushUnschedulable()
			}
		}
	}
}

func (q *queue) backoffDuration(p *fw.QueuedPodInfo) time.Duration {
	d := q.initialBackoff
	for i := 1; i < p.Attempts; i++ {
		if d > q.maxBackoff-d {
			return q.maxBackoff
		}
		d += d
	}
	if d > q.maxBackoff {
		d = q.maxBackoff
	}
	return d
}

func (q *queue) backoffExpiry(p *fw.QueuedPodInfo) time.Time {
	return p.Timestamp.Add(q.backoffDuration(p))
}

func (q *queue) isBackingOff(p *fw.QueuedPodInfo) bool {
	return p.Attempts > 0 && q.backoffExpiry(p).After(q.now())
}

// add enqueues a new pending pod.
func (q *queue) add(p *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.has(p.UID) {
		return
	}
	qpi := &fw.QueuedPodInfo{PodInfo: fw.NewPodInfo(p), Timestamp: q.now()}
	q.enqueueLocked(qpi)
}

func (q *queue) has(uid types.UID) bool {
	_, a := q.active.index[uid]
	_, b := q.backoff.index[uid]
	_, c := q.unschedulable[uid]
	return a || b || c
}

// enqueueLocked runs PreEnqueue and puts qpi into active or, when gated,
// unschedulable.
func (q *queue) enqueueLocked(qpi *fw.QueuedPodInfo) {
	if s := q.preEnqueue(qpi.Pod); !s.IsSuccess() {
		qpi.Gated = true
		qpi.GatingPlugin = s.Plugin()
		q.unschedulable[qpi.Pod.UID] = qpi
		return
	}
	qpi.Gated = false
	heap.Push(q.active, qpi)
	q.cond.Broadcast()
}

// update replaces a pending pod with a newer version; a pod waiting in
// unschedulable is retried, as the change may make it fit.
func (q *queue) update(old, p *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.updateNominatedLocked(p)
	if i, ok := q.active.index[p.UID]; ok {
		q.active.items[i].PodInfo = fw.NewPodInfo(p)
		heap.Fix(q.active, i)
		return
	}
	if i, ok := q.backoff.index[p.UID]; ok {
		q.backoff.items[i].PodInfo = fw.NewPodInfo(p)
		return
	}
	if qpi, ok := q.unschedulable[p.UID]; ok {
		qpi.PodInfo = fw.NewPodInfo(p)
		if old != nil && !specChanged(old, p) && !qpi.Gated {
			return
		}
		delete(q.unschedulable, p.UID)
		if !qpi.Gated && q.isBackingOff(qpi) {
			heap.Push(q.backoff, qpi)
			return
		}
		q.enqueueLocked(qpi)
		return
	}
	if q.inFlight[p.UID] {
		return
	}
	q.enqueueLocked(&fw.QueuedPodInfo{PodInfo: fw.NewPodInfo(p), Timestamp: q.now()})
}

// specChanged ignores status-only changes (such as the scheduler's own
// condition updates) when deciding to retry a pod.
func specChanged(old, p *v1.Pod) bool {
	return old.Generation != p.Generation || !sameLabels(old.Labels, p.Labels) ||
		len(old.Spec.SchedulingGates) != len(p.Spec.SchedulingGates) || len(old.Spec.Tolerations) != len(p.Spec.Tolerations)
}

func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// remove drops a pod (deleted or bound by someone else).
func (q *queue) remove(p *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.removeNominatedLocked(p.UID)
	if i, ok := q.active.index[p.UID]; ok {
		heap.Remove(q.active, i)
	}
	if i, ok := q.backoff.index[p.UID]; ok {
		heap.Remove(q.backoff, i)
	}
	delete(q.unschedulable, p.UID)
}

// pop blocks for the next pod to try; nil once the queue is closed.
func (q *queue) pop() *fw.QueuedPodInfo {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.active.Len() == 0 {
		if q.closed {
			return nil
		}
		q.cond.Wait()
	}
	qpi := heap.Pop(q.active).(*fw.QueuedPodInfo)
	qpi.Attempts++
	if qpi.InitialAttemptTimestamp == nil {
		t := q.now()
		qpi.InitialAttemptTimestamp = &t
	}
	q.schedulingCycle++
	q.inFlight[qpi.Pod.UID] = true
	return qpi
}

func (q *queue) cycle() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.schedulingCycle
}

// done marks a popped pod's attempt finished.
func (q *queue) done(uid types.UID) {
	q.mu.Lock()
	delete(q.inFlight, uid)
	q.mu.Unlock()
}

// requeue puts a pod back after a failed attempt in cycle.
func (q *queue) requeue(qpi *fw.QueuedPodInfo, cycle int64, latest *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.inFlight, qpi.Pod.UID)
	if q.has(qpi.Pod.UID) {
		return
	}
	qpi.PodInfo = fw.NewPodInfo(latest)
	qpi.Timestamp = q.now()
	if q.moveRequestCycle >= cycle {
		heap.Push(q.backoff, qpi)
		return
	}
	q.unschedulable[qpi.Pod.UID] = qpi
}

// move retries unschedulable pods ev may help.
func (q *queue) move(ev event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for uid, qpi := range q.unschedulable {
		if qpi.Gated {
			continue
		}
		if ev.plugins != nil && qpi.UnschedulablePlugins.Len() > 0 && !ev.plugins.HasAny(qpi.UnschedulablePlugins.UnsortedList()...) {
			continue
		}
		delete(q.unschedulable, uid)
		if q.isBackingOff(qpi) {
			heap.Push(q.backoff, qpi)
		} else {
			heap.Push(q.active, qpi)
		}
	}
	q.moveRequestCycle = q.schedulingCycle
	q.cond.Broadcast()
}

func (q *queue) flushBackoff() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	for q.backoff.Len() > 0 {
		top := q.backoff.items[0]
		if q.backoffExpiry(top).After(now) {
			break
		}
		heap.Pop(q.backoff)
		heap.Push(q.active, top)
		q.cond.Broadcast()
	}
}

func (q *queue) flushUnschedulable() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	for uid, qpi := range q.unschedulable {
		if qpi.Gated || now.Sub(qpi.Timestamp) < q.maxInUnschedulable {
			continue
		}
		delete(q.unschedulable, uid)
		if q.isBackingOff(qpi) {
			heap.Push(q.backoff, qpi)
		} else {
			heap.Push(q.active, qpi)
		}
		q.cond.Broadcast()
	}
}

// nominate records that p should run on node once victims are gone.
func (q *queue) nominate(p *v1.Pod, node string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.removeNominatedLocked(p.UID)
	if node == "" {
		return
	}
	q.nominatedFor[p.UID] = node
	q.nominated[node] = append(q.nominated[node], fw.NewPodInfo(p))
}

func (q *queue) updateNominatedLocked(p *v1.Pod) {
	node := p.Status.NominatedNodeName
	if cur, ok := q.nominatedFor[p.UID]; ok && node == "" {
		node = cur
	}
	q.removeNominatedLocked(p.UID)
	if node != "" && p.Spec.NodeName == "" {
		q.nominatedFor[p.UID] = node
		q.nominated[node] = append(q.nominated[node], fw.NewPodInfo(p))
	}
}

func (q *queue) removeNominatedLocked(uid types.UID) {
	node, ok := q.nominatedFor[uid]
	if !ok {
		return
	}
	delete(q.nominatedFor, uid)
	list := q.nominated[node]
	for i, pi := range list {
		if pi.Pod.UID == uid {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(q.nominated, node)
	} else {
		q.nominated[node] = list
	}
}

// NominatedPodsForNode implements framework.Nominator.
func (q *queue) NominatedPodsForNode(node string) []*fw.PodInfo {
	q.mu.Lock()
	defer q.mu.Unlock()
	list := q.nominated[node]
	if len(list) == 0 {
		return nil
	}
	return append([]*fw.PodInfo(nil), list...)
}

// pending counts pods per part (for tests and logs).
func (q *queue) pending() (active, backoff, unschedulable int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.active.Len(), q.backoff.Len(), len(q.unschedulable)
}

type podHeap struct {
	items []*fw.QueuedPodInfo
	index map[types.UID]int
	less  func(a, b *fw.QueuedPodInfo) bool
}

func (h *podHeap) Len() int           { return len(h.items) }
func (h *podHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *podHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.index[h.items[i].Pod.UID] = i
	h.index[h.items[j].Pod.UID] = j
}
func (h *podHeap) Push(x any) {
	p := x.(*fw.QueuedPodInfo)
	h.index[p.Pod.UID] = len(h.items)
	h.items = append(h.items, p)
}
func (h *podHeap) Pop() any {
	n := len(h.items) - 1
	p := h.items[n]
	h.items[n] = nil
	h.items = h.items[:n]
	delete(h.index, p.Pod.UID)
	return p
}
