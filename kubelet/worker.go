package kubelet

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/skiff-k8s/skiff/kubelet/volumes"
)

// podWorker serialises everything the kubelet does to one pod: each kick
// runs one sync, never two at once.
type podWorker struct {
	uid       types.UID
	namespace string
	name      string
	kickc     chan struct{}
	// last is the pod as last seen in the API, kept to kill its
	// containers with its grace period once the API has forgotten it.
	last atomic.Pointer[v1.Pod]
	// waiting holds why a container is not running yet (image pull
	// errors, config errors, back-off), reported in its status.
	mu      sync.Mutex
	waiting map[string]waitReason
	// volumesReady is set once the pod's volumes are mounted.
	volumesReady bool
	lastRefresh  time.Time
	// deleteSent is set once the final delete was sent for a pod being
	// deleted whose containers have all stopped.
	deleteSent bool
	timer      *time.Timer
	// mounts are the pod's volumes on the host, by volume name.
	mounts map[string]volumes.Mount
	// podIP is the current sandbox's IP.
	podIP string
}

type waitReason struct{ reason, message string }

func (w *podWorker) kick() {
	select {
	case w.kickc <- struct{}{}:
	default:
	}
}

// after kicks the worker again in d, unless an earlier kick is pending.
func (w *podWorker) after(d time.Duration) {
	if w.timer != nil {
		w.timer.Stop()
	}
	w.timer = time.AfterFunc(d, w.kick)
}

// kick wakes the worker of a pod, if there is one.
func (k *Kubelet) kick(uid types.UID) {
	k.mu.Lock()
	w := k.workers[uid]
	k.mu.Unlock()
	if w != nil {
		w.kick()
	}
}

// podChanged is the informer's handler: it makes sure the pod has a
// worker and wakes it.
func (k *Kubelet) podChanged(ctx context.Context, obj interface{}) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	pod, ok := obj.(*v1.Pod)
	if !ok {
		return
	}
	k.ensureWorker(ctx, pod.UID, pod.Namespace, pod.Name, pod).kick()
}

func (k *Kubelet) ensureWorker(ctx context.Context, uid types.UID, ns, name string, pod *v1.Pod) *podWorker {
	k.mu.Lock()
	defer k.mu.Unlock()
	w := k.workers[uid]
	if w == nil {
		w = &podWorker{uid: uid, namespace: ns, name: name, kickc: make(chan struct{}, 1), waiting: map[string]waitReason{}}
		k.workers[uid] = w
		go k.runWorker(ctx, w)
	}
	if pod != nil {
		w.last.Store(pod)
	}
	return w
}

func (k *Kubelet) runWorker(ctx context.Context, w *podWorker) {
	log := klog.FromContext(ctx).WithValues("pod", klog.KRef(w.namespace, w.name), "podUID", w.uid)
	ctx = klog.NewContext(ctx, log)
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.kickc:
		}
		done, again := k.syncPod(ctx, w)
		if done {
			k.mu.Lock()
			delete(k.workers, w.uid)
			delete(k.lastSeen, w.uid)
			k.mu.Unlock()
			if w.timer != nil {
				w.timer.Stop()
			}
			return
		}
		if again > 0 {
			w.after(again)
		}
	}
}

func (k *Kubelet) workerOf(uid types.UID) *podWorker {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.workers[uid]
}

// podIP is the pod's IP as its sandbox last reported it.
func (k *Kubelet) podIP(uid types.UID) string {
	if w := k.workerOf(uid); w != nil {
		return w.podIP
	}
	return ""
}

func (w *podWorker) mount(name string) (volumes.Mount, bool) {
	m, ok := w.mounts[name]
	return m, ok
}

// waitingReason is also read by the server's goroutines.
func (w *podWorker) waitingReason(name string) (waitReason, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	wr, ok := w.waiting[name]
	return wr, ok
}

func (w *podWorker) setWaiting(name string, wr waitReason) {
	w.mu.Lock()
	w.waiting[name] = wr
	w.mu.Unlock()
}

func (w *podWorker) clearWaiting(name string) {
	w.mu.Lock()
	delete(w.waiting, name)
	w.mu.Unlock()
}
