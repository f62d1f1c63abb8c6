// Package controllers runs skiff's controllers in one controller-runtime
// manager. Each controller lives in its own package below this one; Start
// wires them to a client of the API server.
package controllers

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/skiff-k8s/skiff/controllers/cronjob"
	"github.com/skiff-k8s/skiff/controllers/csrapproving"
	"github.com/skiff-k8s/skiff/controllers/csrcleaner"
	"github.com/skiff-k8s/skiff/controllers/csrsigning"
	"github.com/skiff-k8s/skiff/controllers/daemonset"
	"github.com/skiff-k8s/skiff/controllers/deployment"
	"github.com/skiff-k8s/skiff/controllers/disruption"
	"github.com/skiff-k8s/skiff/controllers/endpoints"
	"github.com/skiff-k8s/skiff/controllers/endpointslice"
	"github.com/skiff-k8s/skiff/controllers/endpointsmirroring"
	"github.com/skiff-k8s/skiff/controllers/garbagecollector"
	"github.com/skiff-k8s/skiff/controllers/job"
	"github.com/skiff-k8s/skiff/controllers/namespace"
	"github.com/skiff-k8s/skiff/controllers/nodelifecycle"
	"github.com/skiff-k8s/skiff/controllers/podautoscaler"
	"github.com/skiff-k8s/skiff/controllers/podgc"
	"github.com/skiff-k8s/skiff/controllers/replicaset"
	"github.com/skiff-k8s/skiff/controllers/rootcacert"
	"github.com/skiff-k8s/skiff/controllers/serviceaccount"
	"github.com/skiff-k8s/skiff/controllers/statefulset"
	"github.com/skiff-k8s/skiff/controllers/storageprotection"
	"github.com/skiff-k8s/skiff/controllers/ttlafterfinished"
)

// Leader election of the controllers, as kube-controller-manager's defaults.
const (
	LeaderElectionID        = "skiff-controller-manager"
	LeaderElectionNamespace = metav1.NamespaceSystem
)

// Lease timings (kube-controller-manager's defaults).
var (
	LeaseDuration = 15 * time.Second
	RenewDeadline = 10 * time.Second
	RetryPeriod   = 2 * time.Second
)

// Options are what some controllers need beyond a client.
type Options struct {
	// ClusterSigningCertFile and ClusterSigningKeyFile are the CA that
	// signs approved CertificateSigningRequests (kube-controller-manager's
	// --cluster-signing-cert-file/-key-file); without them nothing is signed.
	ClusterSigningCertFile, ClusterSigningKeyFile string
	// ClusterSigningDuration caps the certificates' lifetime (default 1 year).
	ClusterSigningDuration time.Duration
}

// Start runs every controller until ctx ends. It returns once the
// manager is set up; reconciling goes on in the background. The channel
// closes once the controllers have stopped and the leader Lease is
// released, which needs the API server up until then.
func Start(ctx context.Context, cfg *rest.Config, o Options) (<-chan struct{}, error) {
	ctrl.SetLogger(klog.NewKlogr())
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := appsv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	for _, add := range []func(*runtime.Scheme) error{batchv1.AddToScheme, discoveryv1.AddToScheme, coordinationv1.AddToScheme, certificatesv1.AddToScheme, autoscalingv2.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	lock, err := leaderLock(ctx, cfg)
	if err != nil {
		return nil, err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                server.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// Several `skiff server` replicas on one etcd share the work: only
		// the holder of the kube-system/skiff-controller-manager Lease runs
		// the controllers. An unheld lease is acquired at once.
		LeaderElection:                      true,
		LeaderElectionID:                    LeaderElectionID,
		LeaderElectionNamespace:             LeaderElectionNamespace,
		LeaderElectionResourceLock:          resourcelock.LeasesResourceLock,
		LeaderElectionResourceLockInterface: lock,
		LeaderElectionReleaseOnCancel:       true,
		// Short enough that a stopping server releases the Lease promptly.
		GracefulShutdownTimeout: ptr.To(5 * time.Second),
		LeaseDuration:           ptr.To(LeaseDuration),
		RenewDeadline:           ptr.To(RenewDeadline),
		RetryPeriod:             ptr.To(RetryPeriod),
		// Tests run several servers in one process; controller names need
		// only be unique per manager.
		Controller: ctrlconfig.Controller{SkipNameValidation: ptr.To(true)},
		// Cache only the objects the controllers own, not every ConfigMap
		// and ServiceAccount in the cluster.
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&corev1.ConfigMap{}:      {Field: fields.OneTermEqualSelector("metadata.name", rootcacert.Name)},
			&corev1.ServiceAccount{}: {Field: fields.OneTermEqualSelector("metadata.name", serviceaccount.Name)},
		}},
	})
	if err != nil {
		return nil, err
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	reconcilers := []interface{ SetupWithManager(ctrl.Manager) error }{
		&namespace.Reconciler{Client: mgr.GetClient(), Kube: kube, Metadata: meta, Discovery: disc},
		&serviceaccount.Reconciler{Client: mgr.GetClient()},
		&rootcacert.Reconciler{Client: mgr.GetClient(), CA: cfg.TLSClientConfig.CAData},
		&replicaset.Reconciler{Client: mgr.GetClient()},
		&replicaset.Reconciler{Kind: replicaset.ReplicationControllers{}, Client: mgr.GetClient()},
		&deployment.Reconciler{Client: mgr.GetClient()},
		&garbagecollector.GarbageCollector{Metadata: meta, Discovery: disc},
		&job.Reconciler{Client: mgr.GetClient()},
		&cronjob.Reconciler{Client: mgr.GetClient()},
		&ttlafterfinished.Reconciler{Client: mgr.GetClient()},
		&endpointslice.Reconciler{Client: mgr.GetClient()},
		&endpoints.Reconciler{Client: mgr.GetClient()},
		&endpointsmirroring.Reconciler{Client: mgr.GetClient()},
		&nodelifecycle.Reconciler{Client: mgr.GetClient()},
		&podgc.Reconciler{Client: mgr.GetClient()},
		&storageprotection.Reconciler{Client: mgr.GetClient()},
		&disruption.Reconciler{Client: mgr.GetClient()},
		&statefulset.Reconciler{Client: mgr.GetClient()},
		&daemonset.Reconciler{Client: mgr.GetClient()},
		&podautoscaler.Reconciler{Client: mgr.GetClient()},
		&csrapproving.Reconciler{Client: mgr.GetClient(), Kube: kube},
		&csrcleaner.Reconciler{Client: mgr.GetClient()},
	}
	if o.ClusterSigningCertFile != "" || o.ClusterSigningKeyFile != "" {
		ca, err := csrsigning.LoadAuthority(o.ClusterSigningCertFile, o.ClusterSigningKeyFile)
		if err != nil {
			return nil, fmt.Errorf("cluster signing CA: %w", err)
		}
		ca.Duration = o.ClusterSigningDuration
		reconcilers = append(reconcilers, &csrsigning.Reconciler{Client: mgr.GetClient(), CA: ca})
	}
	for _, r := range reconcilers {
		if err := r.SetupWithManager(mgr); err != nil {
			return nil, err
		}
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		if err := mgr.Start(ctx); err != nil {
			ctrl.Log.Error(err, "controller manager stopped")
		}
	}()
	return stopped, nil
}
