package sim

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

// Sim is a running set of simulated nodes.
type Sim struct {
	opts   Options
	client kubernetes.Interface
	// nodes is fixed once Start returns, so it is read without locking.
	nodes map[string]*node
	names []string
	queue workqueue.TypedRateLimitingInterface[string]
	pods  cache.Indexer
	done  chan struct{}
}

// Start registers o.Count nodes and runs them until ctx ends. It returns
// once every node is registered with a Lease and the pod cache has synced.
func Start(ctx context.Context, cfg *rest.Config, o Options) (*Sim, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = o.QPS, o.Burst
	// Protobuf halves the bytes and the decoding of pods and leases.
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	cfg.UserAgent = "skiff-sim"
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	s := &Sim{
		opts:   o,
		client: client,
		nodes:  make(map[string]*node, o.Count),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "sim-pods"}),
		done: make(chan struct{}),
	}
	for i := 0; i < o.Count; i++ {
		n := newNode(i, &s.opts)
		s.nodes[n.name] = n
		s.names = append(s.names, n.name)
	}
	if err := ensureNamespace(ctx, client, corev1.NamespaceNodeLease); err != nil {
		return nil, err
	}
	if err := s.forEachNode(ctx, 32, func(n *node) error { return s.register(ctx, n) }); err != nil {
		return nil, err
	}
	if err := s.forEachNode(ctx, 32, func(n *node) error { return s.renewLease(ctx, n) }); err != nil {
		return nil, err
	}

	// One informer for every bound pod in the cluster: the handlers drop
	// pods of other nodes with a map lookup, which costs far less than a
	// watch per node.
	f := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTweakListOptions(func(lo *metav1.ListOptions) {
		lo.FieldSelector = fields.OneTermNotEqualSelector("spec.nodeName", "").String()
	}))
	inf := f.Core().V1().Pods().Informer()
	enqueue := func(obj interface{}) {
		p, ok := obj.(*corev1.Pod)
		if !ok || s.nodes[p.Spec.NodeName] == nil {
			return
		}
		if key, err := cache.MetaNamespaceKeyFunc(p); err == nil {
			s.queue.Add(key)
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj interface{}) { enqueue(obj) },
	}); err != nil {
		return nil, err
	}
	s.pods = inf.GetIndexer()
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		s.queue.ShutDown()
		return nil, fmt.Errorf("simulated nodes: pod cache did not sync: %w", ctx.Err())
	}
	var wg sync.WaitGroup
	for i := 0; i < o.Workers; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); s.work(ctx) }()
	}
	wg.Add(2)
	go func() { defer wg.Done(); s.keepLeases(ctx) }()
	go func() { defer wg.Done(); s.keepStatus(ctx) }()
	go func() { <-ctx.Done(); s.queue.ShutDown() }()
	go func() { wg.Wait(); f.Shutdown(); close(s.done) }()
	return s, nil
}

// Nodes are the simulated nodes' names, in index order.
func (s *Sim) Nodes() []string { return append([]string(nil), s.names...) }

// Done is closed once the simulator has stopped (its context ended).
func (s *Sim) Done() <-chan struct{} { return s.done }

// Cleanup deletes the simulated nodes and their Leases. Pods still bound
// to them are left to the pod garbage collector, as when a real node is
// removed.
func (s *Sim) Cleanup(ctx context.Context) error {
	return s.forEachNode(ctx, 32, func(n *node) error {
		err := s.client.CoreV1().Nodes().Delete(ctx, n.name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		err = s.client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Delete(ctx, n.name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		return nil
	})
}

// forEachNode runs fn for every node on up to workers goroutines and
// returns the first error.
func (s *Sim) forEachNode(ctx context.Context, workers int, fn func(*node) error) error {
	ch := make(chan *node)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var first error
			for n := range ch {
				if first == nil {
					if err := fn(n); err != nil {
						first = fmt.Errorf("node %s: %w", n.name, err)
					}
				}
			}
			errs <- first
		}()
	}
	for _, name := range s.names {
		select {
		case ch <- s.nodes[name]:
		case <-ctx.Done():
		}
	}
	close(ch)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// keepLeases renews every node's Lease each LeaseInterval, all in one
// batch spread over a few goroutines, as many kubelets would.
func (s *Sim) keepLeases(ctx context.Context) {
	t := time.NewTicker(s.opts.LeaseInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_ = s.forEachNode(ctx, 8, func(n *node) error {
			if err := s.renewLease(ctx, n); err != nil && ctx.Err() == nil {
				klog.V(2).InfoS("renewing lease", "node", n.name, "err", err)
			}
			return nil
		})
	}
}

// keepStatus refreshes the nodes' condition heartbeats each
// StatusInterval, as the kubelet reports status even when unchanged.
func (s *Sim) keepStatus(ctx context.Context) {
	t := time.NewTicker(s.opts.StatusInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_ = s.forEachNode(ctx, 8, func(n *node) error {
			if err := s.heartbeat(ctx, n); err != nil && ctx.Err() == nil {
				klog.V(2).InfoS("node status heartbeat", "node", n.name, "err", err)
			}
			return nil
		})
	}
}

func ensureNamespace(ctx context.Context, c kubernetes.Interface, name string) error {
	_, err := c.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			err = nil
		}
	}
	return err
}
