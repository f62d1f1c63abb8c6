package podautoscaler

import (
	"context"
	"fmt"
	"sync"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/scale"
	"k8s.io/client-go/tools/record"
	resourceclient "k8s.io/metrics/pkg/client/clientset/versioned/typed/metrics/v1beta1"
	"k8s.io/metrics/pkg/client/custom_metrics"
	"k8s.io/metrics/pkg/client/external_metrics"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// SyncPeriod is how often every HPA is reconciled (kube-controller-manager's
// --horizontal-pod-autoscaler-sync-period default).
const SyncPeriod = 15 * time.Second

// Component is the source of the controller's events, as upstream.
const Component = "horizontal-pod-autoscaler"

// Reconciler scales the targets of HorizontalPodAutoscalers.
type Reconciler struct {
	Client client.Client
	// Scales reads and updates the targets' scale subresource; built
	// from the manager's config and RESTMapper when nil.
	Scales scale.ScalesGetter
	// Mapper maps a target's kind to its resources; the manager's when nil.
	Mapper apimeta.RESTMapper
	// Metrics reads the metrics APIs; the aggregated APIs when nil.
	Metrics  MetricsSource
	Recorder record.EventRecorder
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	calc *calculator
	mem  *memory

	selMu     sync.Mutex
	selectors map[hpaKey]labels.Selector
}

// SetupWithManager watches HPAs; each is then resynced every SyncPeriod.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if err := autoscalingv2.AddToScheme(mgr.GetScheme()); err != nil {
		return err
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorderFor(Component) //nolint:staticcheck // core/v1 events, as upstream
	}
	if r.Mapper == nil {
		r.Mapper = mgr.GetRESTMapper()
	}
	if r.Scales == nil || r.Metrics == nil {
		disc, err := discovery.NewDiscoveryClientForConfig(mgr.GetConfig())
		if err != nil {
			return err
		}
		if r.Scales == nil {
			r.Scales, err = scale.NewForConfig(mgr.GetConfig(), r.Mapper, dynamic.LegacyAPIPathResolverFunc, scale.NewDiscoveryScaleKindResolver(disc))
			if err != nil {
				return err
			}
		}
		if r.Metrics == nil {
			if err := r.setupMetrics(mgr, disc); err != nil {
				return err
			}
		}
	}
	r.init()
	return ctrl.NewControllerManagedBy(mgr).
		Named("horizontalpodautoscaler").
		// Spec changes sync at once; the controller's own status writes
		// wait for the next period.
		For(&autoscalingv2.HorizontalPodAutoscaler{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: 5}).
		Complete(r)
}

// setupMetrics reads the aggregated metrics APIs, re-discovering the
// custom metrics API's version every SyncPeriod as upstream.
func (r *Reconciler) setupMetrics(mgr ctrl.Manager, disc discovery.DiscoveryInterface) error {
	cfg := mgr.GetConfig()
	res, err := resourceclient.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ext, err := external_metrics.NewForConfig(cfg)
	if err != nil {
		return err
	}
	versions := custom_metrics.NewAvailableAPIsGetter(disc)
	r.Metrics = &apiMetrics{resource: res, custom: custom_metrics.NewForConfig(cfg, r.Mapper, versions), external: ext}
	return mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		custom_metrics.PeriodicallyInvalidate(versions, SyncPeriod, ctx.Done())
		return nil
	}))
}

// init sets up the clock, memory and calculator (also for tests).
func (r *Reconciler) init() {
	if r.Now == nil {
		r.Now = time.Now
	}
	r.mem = newMemory(r.Now)
	r.selectors = map[hpaKey]labels.Selector{}
	r.calc = &calculator{source: r.Metrics, pods: r.listPods, now: r.Now}
}

func (r *Reconciler) listPods(ctx context.Context, namespace string, selector labels.Selector) ([]*corev1.Pod, error) {
	var list corev1.PodList
	if err := r.Client.List(ctx, &list, client.InNamespace(namespace), client.MatchingLabelsSelector{Selector: selector}); err != nil {
		return nil, err
	}
	out := make([]*corev1.Pod, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out, nil
}

// Reconcile syncs one HPA and asks to see it again after SyncPeriod.
// Errors are logged, not retried sooner: the next period retries.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	hpa := &autoscalingv2.HorizontalPodAutoscaler{}
	if err := r.Client.Get(ctx, req.NamespacedName, hpa); err != nil {
		if client.IgnoreNotFound(err) == nil {
			r.forget(hpaKey(req.NamespacedName))
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if err := r.sync(ctx, hpa); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Failed to reconcile HorizontalPodAutoscaler")
	}
	return ctrl.Result{RequeueAfter: SyncPeriod}, nil
}

// hpaKey is an HPA's namespace/name.
type hpaKey struct{ Namespace, Name string }

func (k hpaKey) String() string { return k.Namespace + "/" + k.Name }

func (r *Reconciler) forget(k hpaKey) {
	r.mem.forget(k.String())
	r.selMu.Lock()
	delete(r.selectors, k)
	r.selMu.Unlock()
}

// updateStatusIfNeeded writes hpa's status unless it equals old.
func (r *Reconciler) updateStatusIfNeeded(ctx context.Context, old *autoscalingv2.HorizontalPodAutoscalerStatus, hpa *autoscalingv2.HorizontalPodAutoscaler) error {
	if apiequality.Semantic.DeepEqual(old, &hpa.Status) {
		return nil
	}
	if err := r.Client.Status().Update(ctx, hpa); err != nil {
		r.Recorder.Event(hpa, corev1.EventTypeWarning, "FailedUpdateStatus", err.Error())
		return fmt.Errorf("failed to update status for %s: %w", hpa.Name, err)
	}
	return nil
}
