package kubelet

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	restclient "k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/flowcontrol"
	internalapi "k8s.io/cri-api/pkg/apis"
	remote "k8s.io/cri-client/pkg"
	"k8s.io/klog/v2"

	"github.com/skiff-k8s/skiff/kubelet/prober"
	"github.com/skiff-k8s/skiff/kubelet/volumes"
)

// Version is the kubelet version a skiff node reports.
const Version = "v1.37.2"

// Options configure a kubelet.
type Options struct {
	// NodeName defaults to the host name, lower-cased.
	NodeName string
	// RootDir holds pods' volumes and state (upstream's /var/lib/kubelet).
	RootDir string
	// LogDir holds container logs (upstream's /var/log/pods).
	LogDir string
	// RuntimeEndpoint is the CRI socket ("unix:///run/containerd/containerd.sock").
	RuntimeEndpoint string
	// Address is the node's InternalIP; the API server reaches the
	// kubelet's server there.
	Address net.IP
	// Port is the kubelet server's port (10250 upstream; 0 picks one).
	Port int
	// ServingCert/Key are the server's certificate; ClientCA verifies
	// clients (the API server presents a certificate of the cluster CA).
	ServingCert, ServingKey, ClientCA string
	// PodCIDR is used when the Node has none in spec.podCIDR.
	PodCIDR string
	// CNIConfDir is where the pod network's conflist is written.
	CNIConfDir string
	// SyncFrequency is how often running pods are re-checked without an
	// event (upstream's --sync-frequency is 1m; the relist is 1 s).
	SyncFrequency time.Duration
}

// Kubelet is a running kubelet.
type Kubelet struct {
	opts     Options
	client   kubernetes.Interface
	runtime  internalapi.RuntimeService
	images   internalapi.ImageManagerService
	recorder record.EventRecorder
	pods     corelisters.PodLister
	volumes  *volumes.Manager
	prober   *prober.Manager
	backoff  *flowcontrol.Backoff
	// Port is the server's port once it listens.
	Port int
	// StopRuntime stops the containerd the node started for itself (nil
	// when it uses one it was given). Containers keep running.
	StopRuntime func() error

	node nodeState

	mu      sync.Mutex
	workers map[types.UID]*podWorker
	// lastSeen fingerprints each pod's containers at the last relist.
	lastSeen map[types.UID]string
}

// Start runs a kubelet until ctx ends. The CRI endpoint must answer.
func Start(ctx context.Context, cfg *restclient.Config, o Options) (*Kubelet, error) {
	if o.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, err
		}
		o.NodeName = lowerName(h)
	}
	if o.SyncFrequency == 0 {
		o.SyncFrequency = time.Minute
	}
	if o.LogDir == "" {
		o.LogDir = filepath.Join(o.RootDir, "logs")
	}
	for _, d := range []string{o.RootDir, o.LogDir, filepath.Join(o.RootDir, "pods")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	cfg = restclient.CopyConfig(cfg)
	cfg.UserAgent = "kubelet/" + Version + " (skiff)"
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	rt, err := remote.NewRemoteRuntimeService(ctx, o.RuntimeEndpoint, 2*time.Minute, nil, false)
	if err != nil {
		return nil, fmt.Errorf("container runtime %s: %w", o.RuntimeEndpoint, err)
	}
	img, err := remote.NewRemoteImageService(ctx, o.RuntimeEndpoint, 2*time.Minute, nil, false)
	if err != nil {
		return nil, fmt.Errorf("image service %s: %w", o.RuntimeEndpoint, err)
	}
	k := &Kubelet{
		opts: o, client: client, runtime: rt, images: img,
		backoff:  flowcontrol.NewBackOff(10*time.Second, 300*time.Second),
		workers:  map[types.UID]*podWorker{},
		lastSeen: map[types.UID]string{},
	}
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	k.recorder = broadcaster.NewRecorder(scheme.Scheme, v1.EventSource{Component: "kubelet", Host: o.NodeName})
	go func() { <-ctx.Done(); broadcaster.Shutdown() }()

	// The server listens first: the Node reports its port.
	if err := k.serve(ctx); err != nil {
		return nil, err
	}
	if err := k.registerNode(ctx); err != nil {
		return nil, fmt.Errorf("register node %s: %w", o.NodeName, err)
	}
	k.volumes = &volumes.Manager{
		Client: client, PodsDir: filepath.Join(o.RootDir, "pods"), NodeName: o.NodeName,
		Allocatable: k.node.get().Status.Allocatable,
	}
	k.prober = prober.NewManager(execer{k.runtime}, k.kick)
	k.prober.Recorder = func(pod *v1.Pod, eventType, reason, message string) {
		k.recorder.Event(pod, eventType, reason, message)
	}

	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTweakListOptions(func(lo *metav1.ListOptions) {
		lo.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", o.NodeName).String()
	}))
	podInformer := factory.Core().V1().Pods()
	k.pods = podInformer.Lister()
	_, _ = podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj interface{}) { k.podChanged(ctx, obj) },
		UpdateFunc: func(_, obj interface{}) { k.podChanged(ctx, obj) },
		DeleteFunc: func(obj interface{}) { k.podChanged(ctx, obj) },
	})
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), podInformer.Informer().HasSynced) {
		return nil, fmt.Errorf("pod informer did not sync")
	}
	// Pods this node ran before a restart and that the API no longer
	// knows are found by the relist and torn down.
	go k.relistLoop(ctx)
	go k.nodeLoop(ctx)
	go k.resyncLoop(ctx)
	klog.FromContext(ctx).Info("kubelet started", "node", o.NodeName, "runtime", o.RuntimeEndpoint, "port", k.Port)
	return k, nil
}

// NodeName is the name the kubelet registered.
func (k *Kubelet) NodeName() string { return k.opts.NodeName }

// resyncLoop wakes every pod worker now and then, as upstream's
// --sync-frequency does, so nothing is left waiting on a missed event.
func (k *Kubelet) resyncLoop(ctx context.Context) {
	t := time.NewTicker(k.opts.SyncFrequency)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			k.mu.Lock()
			for _, w := range k.workers {
				w.kick()
			}
			k.mu.Unlock()
		}
	}
}
