// Package envtest runs controller-runtime's envtest against an in-process
// skiff, as operators' suites do with USE_EXISTING_CLUSTER=true: envtest
// installs a CRD from testdata, a manager built from envtest's config runs
// a reconciler, and the reconciler's work shows up on the custom object.
package envtest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/skiff-k8s/skiff/test/testserver"
)

var (
	srv *testserver.Server
	ctx = context.Background()
)

func TestMain(m *testing.M) { testserver.Main(m, &srv) }

var widgetGVK = schema.GroupVersionKind{Group: "envtest.skiff.dev", Version: "v1", Kind: "Widget"}

// widgetReconciler copies spec.size to status.observedSize and sets
// status.phase, as a minimal operator would.
type widgetReconciler struct{ client.Client }

func (r *widgetReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	w := &unstructured.Unstructured{}
	w.SetGroupVersionKind(widgetGVK)
	if err := r.Get(ctx, req.NamespacedName, w); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	size, _, _ := unstructured.NestedInt64(w.Object, "spec", "size")
	if err := unstructured.SetNestedField(w.Object, size, "status", "observedSize"); err != nil {
		return ctrl.Result{}, err
	}
	if err := unstructured.SetNestedField(w.Object, "Ready", "status", "phase"); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.Status().Update(ctx, w); err != nil {
		return ctrl.Result{}, err
	}
	// An owned ConfigMap, so garbage collection follows the Widget.
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: w.GetName() + "-config", Namespace: w.GetNamespace()}}
	_, err := ctrl.CreateOrUpdate(ctx, r.Client, cm, func() error {
		cm.Data = map[string]string{"size": fmt.Sprint(size)}
		return ctrl.SetControllerReference(w, cm, r.Scheme())
	})
	return ctrl.Result{}, err
}

func TestEnvtestAgainstSkiff(t *testing.T) {
	env := &envtest.Environment{
		UseExistingCluster: ptr.To(true),
		Config:             srv.Config,
		CRDInstallOptions: envtest.CRDInstallOptions{
			Paths:              []string{filepath.Join("testdata")},
			ErrorIfPathMissing: true,
			CleanUpAfterUse:    true,
		},
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("envtest.Start against skiff: %v", err)
	}
	defer func() {
		if err := env.Stop(); err != nil {
			t.Errorf("envtest.Stop: %v", err)
		}
	}()
	if len(env.CRDs) != 1 || env.CRDs[0].Name != "widgets.envtest.skiff.dev" {
		t.Fatalf("envtest installed %d CRDs, want widgets.envtest.skiff.dev", len(env.CRDs))
	}

	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                server.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             ctrlconfig.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	watched := &unstructured.Unstructured{}
	watched.SetGroupVersionKind(widgetGVK)
	if err := ctrl.NewControllerManagedBy(mgr).For(watched).Owns(&corev1.ConfigMap{}).Complete(&widgetReconciler{mgr.GetClient()}); err != nil {
		t.Fatal(err)
	}
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		if err := mgr.Start(mctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()

	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	w := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "envtest.skiff.dev/v1", "kind": "Widget",
		"metadata": map[string]interface{}{"name": "gear", "namespace": "default"},
		"spec":     map[string]interface{}{"size": int64(3)},
	}}
	if err := c.Create(ctx, w); err != nil {
		t.Fatal(err)
	}
	// The CRD's schema is enforced.
	bad := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "envtest.skiff.dev/v1", "kind": "Widget",
		"metadata": map[string]interface{}{"name": "bad", "namespace": "default"},
		"spec":     map[string]interface{}{"size": int64(0)},
	}}
	if err := c.Create(ctx, bad); !apierrors.IsInvalid(err) {
		t.Errorf("creating a Widget with size 0: got %v, want Invalid", err)
	}

	eventually(t, func() error {
		got := &unstructured.Unstructured{}
		got.SetGroupVersionKind(widgetGVK)
		if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "gear"}, got); err != nil {
			return err
		}
		if phase, _, _ := unstructured.NestedString(got.Object, "status", "phase"); phase != "Ready" {
			return fmt.Errorf("status.phase = %q", phase)
		}
		if n, _, _ := unstructured.NestedInt64(got.Object, "status", "observedSize"); n != 3 {
			return fmt.Errorf("status.observedSize = %d", n)
		}
		return nil
	})
	eventually(t, func() error {
		cm := &corev1.ConfigMap{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "gear-config"}, cm); err != nil {
			return err
		}
		if cm.Data["size"] != "3" || len(cm.OwnerReferences) != 1 || cm.OwnerReferences[0].Kind != "Widget" {
			return fmt.Errorf("configmap %+v", cm)
		}
		return nil
	})

	// An update is reconciled too.
	if err := c.Patch(ctx, w, client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"size":5}}`))); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() error {
		cm := &corev1.ConfigMap{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "gear-config"}, cm); err != nil {
			return err
		}
		if cm.Data["size"] != "5" {
			return fmt.Errorf("size %q", cm.Data["size"])
		}
		return nil
	})

	// Deleting the Widget collects its ConfigMap (skiff's garbage collector).
	if err := c.Delete(ctx, w); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() error {
		err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "gear-config"}, &corev1.ConfigMap{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("configmap still there: %v", err)
	})
}

func eventually(t *testing.T, f func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
