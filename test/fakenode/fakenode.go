// Package fakenode is a stand-in for a kubelet in tests: it registers a
// Ready Node, reports the pods the scheduler bound to it Running and
// Ready, and finishes their graceful deletion at once.
package fakenode

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Node is a running fake node agent.
type Node struct {
	Name   string
	client kubernetes.Interface
	queue  workqueue.TypedRateLimitingInterface[string]
	pods   cache.Indexer
	ip     uint32
	// NotReady, when set, leaves pods Running but not Ready.
	NotReady atomic.Bool
}

// Start registers node name and runs its agent until ctx ends.
func Start(ctx context.Context, c kubernetes.Interface, name string) (*Node, error) {
	n := &Node{Name: name, client: c, queue: workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())}
	if err := n.register(ctx); err != nil {
		return nil, err
	}
	f := informers.NewSharedInformerFactory(c, 0)
	inf := f.Core().V1().Pods().Informer()
	enqueue := func(obj interface{}) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			n.queue.Add(key)
		}
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: enqueue, UpdateFunc: func(_, o interface{}) { enqueue(o) }})
	n.pods = inf.GetIndexer()
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return nil, fmt.Errorf("fake node %s: pod cache did not sync", name)
	}
	for i := 0; i < 4; i++ {
		go n.work(ctx)
	}
	go n.renewLease(ctx)
	go func() { <-ctx.Done(); n.queue.ShutDown() }()
	return n, nil
}

func (n *Node) register(ctx context.Context) error {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n.Name, Labels: map[string]string{"kubernetes.io/hostname": n.Name}}}
	created, err := n.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		created, err = n.client.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
	}
	// The node lifecycle controller may write the new node first (its
	// taints): retry on a conflict with a fresh read.
	for i := 0; ; i++ {
		if err != nil {
			return err
		}
		now := metav1.Now()
		created.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "fake node is ready", LastHeartbeatTime: now, LastTransitionTime: now}}
		created.Status.Capacity = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("64"), corev1.ResourceMemory: resource.MustParse("256Gi"), corev1.ResourcePods: resource.MustParse("110")}
		created.Status.Allocatable = created.Status.Capacity
		created.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.1"}, {Type: corev1.NodeHostName, Address: n.Name}}
		_, err = n.client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{})
		if !apierrors.IsConflict(err) || i == 10 {
			return err
		}
		created, err = n.client.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
	}
}

func (n *Node) work(ctx context.Context) {
	for {
		key, quit := n.queue.Get()
		if quit {
			return
		}
		if err := n.sync(ctx, key); err != nil && ctx.Err() == nil {
			n.queue.AddRateLimited(key)
		} else {
			n.queue.Forget(key)
		}
		n.queue.Done(key)
	}
}

// Resync re-examines every pod (after NotReady changes).
func (n *Node) Resync() {
	for _, k := range n.pods.ListKeys() {
		n.queue.Add(k)
	}
}

func (n *Node) sync(ctx context.Context, key string) error {
	obj, ok, err := n.pods.GetByKey(key)
	if err != nil || !ok {
		return err
	}
	pod := obj.(*corev1.Pod)
	pods := n.client.CoreV1().Pods(pod.Namespace)
	switch {
	case pod.DeletionTimestamp != nil:
		if pod.Spec.NodeName != n.Name {
			return nil
		}
		zero := int64(0)
		err := pods.Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &pod.UID}})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil
		}
		return err
	case pod.Spec.NodeName != n.Name:
		return nil
	case pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed:
		return nil
	}
	ready := !n.NotReady.Load()
	if pod.Status.Phase == corev1.PodRunning && isReady(pod) == ready {
		return nil
	}
	p := pod.DeepCopy()
	now := metav1.Now()
	if p.Status.StartTime == nil {
		p.Status.StartTime = &now
	}
	readyStatus := corev1.ConditionFalse
	if ready {
		readyStatus = corev1.ConditionTrue
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.HostIP = "10.0.0.1"
	p.Status.HostIPs = []corev1.HostIP{{IP: "10.0.0.1"}}
	if p.Status.PodIP == "" {
		ip := n.nextIP()
		p.Status.PodIP = ip
		p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	}
	p.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodReady, Status: readyStatus, LastTransitionTime: now},
		{Type: corev1.ContainersReady, Status: readyStatus, LastTransitionTime: now},
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
	}
	p.Status.ContainerStatuses = nil
	for _, c := range p.Spec.Containers {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: "docker.io/library/" + c.Image + "@sha256:0", ContainerID: "containerd://" + string(p.UID) + c.Name,
			Ready: ready, Started: &ready, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
		})
	}
	_, err = pods.UpdateStatus(ctx, p, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		// The informer brings the newer pod.
		return nil
	}
	return err
}

func (n *Node) nextIP() string {
	v := atomic.AddUint32(&n.ip, 1)
	return net.IPv4(10, 244, byte(v>>8), byte(v)).String()
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Wait polls cond every 100ms until it holds or timeout passes.
func Wait(ctx context.Context, timeout time.Duration, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		ok, err := cond()
		if ok {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("timed out: %w", last)
			}
			return fmt.Errorf("timed out")
		case <-time.After(100 * time.Millisecond):
		}
	}
}
