// Package controllers runs skiff's controllers in one controller-runtime
// manager. Each controller lives in its own package below this one; Start
// wires them to a client of the API server.
package controllers

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/skiff-k8s/skiff/controllers/namespace"
	"github.com/skiff-k8s/skiff/controllers/rootcacert"
	"github.com/skiff-k8s/skiff/controllers/serviceaccount"
	"github.com/skiff-k8s/skiff/controllers/storageprotection"
)

// Start runs every controller until ctx ends. It returns once the
// manager is set up; reconciling goes on in the background.
func Start(ctx context.Context, cfg *rest.Config) error {
	ctrl.SetLogger(klog.NewKlogr())
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                server.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
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
		return err
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	reconcilers := []interface{ SetupWithManager(ctrl.Manager) error }{
		&namespace.Reconciler{Client: mgr.GetClient(), Kube: kube, Metadata: meta, Discovery: disc},
		&serviceaccount.Reconciler{Client: mgr.GetClient()},
		&rootcacert.Reconciler{Client: mgr.GetClient(), CA: cfg.TLSClientConfig.CAData},
		&storageprotection.Reconciler{Client: mgr.GetClient()},
	}
	for _, r := range reconcilers {
		if err := r.SetupWithManager(mgr); err != nil {
			return err
		}
	}
	go func() {
		if err := mgr.Start(ctx); err != nil {
			ctrl.Log.Error(err, "controller manager stopped")
		}
	}()
	return nil
}
