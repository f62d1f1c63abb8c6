package resourcequota

import (
	"context"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/apiserver/pkg/quota/v1/generic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

// resyncPeriod is how often every quota's usage is recomputed in full.
const resyncPeriod = time.Minute

// statusUpdater keeps each ResourceQuota's status.hard equal to its
// spec.hard and status.used equal to the usage of the objects it covers, as
// kube-controller-manager's resourcequota controller does: on quota changes,
// when covered objects are updated or deleted (creations are charged by the
// admission itself), and every resyncPeriod.
type statusUpdater struct {
	client    kubernetes.Interface
	informers informers.SharedInformerFactory
	stop      <-chan struct{}

	once     sync.Once
	queue    workqueue.TypedRateLimitingInterface[string]
	registry quota.Registry
	synced   []cache.InformerSynced
}

// tracked are the resources whose updates and deletions change usage.
var tracked = []schema.GroupVersionResource{
	corev1.SchemeGroupVersion.WithResource("pods"),
	corev1.SchemeGroupVersion.WithResource("services"),
	corev1.SchemeGroupVersion.WithResource("persistentvolumeclaims"),
	corev1.SchemeGroupVersion.WithResource("configmaps"),
	corev1.SchemeGroupVersion.WithResource("secrets"),
	corev1.SchemeGroupVersion.WithResource("replicationcontrollers"),
	corev1.SchemeGroupVersion.WithResource("resourcequotas"),
}

// start wires the informers once client, informers and stop are all set.
func (s *statusUpdater) start() {
	if s.client == nil || s.informers == nil || s.stop == nil {
		return
	}
	s.once.Do(func() {
		s.queue = workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "skiff_resourcequota_status"})
		s.registry = generic.NewRegistry(Evaluators(s.lister))
		qi := s.informers.Core().V1().ResourceQuotas().Informer()
		_, _ = qi.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc: s.enqueueQuota,
			// Only a change of spec.hard needs a recount, as upstream: the
			// admission's own charges update status.used, and recounting
			// then could read a pod cache that has not seen the new pod
			// yet and undo the charge.
			UpdateFunc: func(o, n any) {
				old, cur := o.(*corev1.ResourceQuota), n.(*corev1.ResourceQuota)
				if !quota.Equals(old.Spec.Hard, cur.Spec.Hard) || !quota.Equals(cur.Spec.Hard, cur.Status.Hard) {
					s.enqueueQuota(n)
				}
			},
		})
		s.synced = append(s.synced, qi.HasSynced)
		for _, gvr := range tracked[:len(tracked)-1] {
			inf, err := s.informers.ForResource(gvr)
			if err != nil {
				utilruntime.HandleError(err)
				continue
			}
			_, _ = inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
				// Creations are charged by the admission; an object created
				// before its quota's status was filled is counted here.
				AddFunc:    s.enqueueNamespace,
				UpdateFunc: func(_, n any) { s.enqueueNamespace(n) },
				DeleteFunc: s.enqueueNamespace,
			})
			s.synced = append(s.synced, inf.Informer().HasSynced)
		}
		go s.run()
	})
}

func (s *statusUpdater) lister(gvr schema.GroupVersionResource) generic.ListFuncByNamespace {
	return func(ns string) ([]runtime.Object, error) {
		inf, err := s.informers.ForResource(gvr)
		if err != nil {
			return nil, err
		}
		return inf.Lister().ByNamespace(ns).List(labels.Everything())
	}
}

func (s *statusUpdater) enqueueQuota(obj any) {
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		s.queue.Add(key)
	}
}

func (s *statusUpdater) enqueueNamespace(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	m, err := meta.Accessor(obj)
	if err != nil || m.GetNamespace() == "" {
		return
	}
	qs, err := s.informers.Core().V1().ResourceQuotas().Lister().ResourceQuotas(m.GetNamespace()).List(labels.Everything())
	if err != nil {
		return
	}
	for _, q := range qs {
		s.queue.Add(q.Namespace + "/" + q.Name)
	}
}

func (s *statusUpdater) run() {
	defer s.queue.ShutDown()
	if !cache.WaitForCacheSync(s.stop, s.synced...) {
		return
	}
	go wait.Until(s.resyncAll, resyncPeriod, s.stop)
	go wait.Until(func() {
		for s.next() {
		}
	}, time.Second, s.stop)
	<-s.stop
}

func (s *statusUpdater) resyncAll() {
	qs, err := s.informers.Core().V1().ResourceQuotas().Lister().List(labels.Everything())
	if err != nil {
		return
	}
	for _, q := range qs {
		s.queue.Add(q.Namespace + "/" + q.Name)
	}
}

func (s *statusUpdater) next() bool {
	key, quit := s.queue.Get()
	if quit {
		return false
	}
	defer s.queue.Done(key)
	if err := s.sync(key); err != nil {
		klog.V(2).InfoS("resourcequota status", "quota", key, "err", err)
		s.queue.AddRateLimited(key)
		return true
	}
	s.queue.Forget(key)
	return true
}

func (s *statusUpdater) sync(key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	q, err := s.informers.Core().V1().ResourceQuotas().Lister().ResourceQuotas(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	hard := q.Spec.Hard
	used, err := quota.CalculateUsage(ns, q.Spec.Scopes, hard, s.registry, q.Spec.ScopeSelector)
	if err != nil {
		return err
	}
	// Keep what is measured by nothing known here (e.g. count/ of other
	// resources) as the admission left it.
	newUsed := corev1.ResourceList{}
	for k, v := range q.Status.Used {
		if _, ok := hard[k]; ok {
			newUsed[k] = v
		}
	}
	for k, v := range used {
		newUsed[k] = v
	}
	for k := range hard {
		if _, ok := used[k]; ok || !strings.HasPrefix(string(k), "count/") {
			continue
		}
		if n, ok := s.countObjects(ns, strings.TrimPrefix(string(k), "count/")); ok {
			newUsed[k] = *resource.NewQuantity(n, resource.DecimalSI)
		}
	}
	if apiequality.Semantic.DeepEqual(q.Status.Hard, hard) && apiequality.Semantic.DeepEqual(q.Status.Used, newUsed) {
		return nil
	}
	u := q.DeepCopy()
	u.Status.Hard = hard.DeepCopy()
	u.Status.Used = newUsed
	_, err = s.client.CoreV1().ResourceQuotas(ns).UpdateStatus(context.TODO(), u, metav1.UpdateOptions{})
	return err
}

// countObjects counts the objects of "<resource>[.<group>]" in ns, for
// built-in resources (an informer of the factory); ok is false otherwise.
func (s *statusUpdater) countObjects(ns, groupResource string) (int64, bool) {
	gr := schema.ParseGroupResource(groupResource)
	lists, _ := s.client.Discovery().ServerPreferredNamespacedResources()
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil || gv.Group != gr.Group {
			continue
		}
		for _, r := range l.APIResources {
			if r.Name != gr.Resource {
				continue
			}
			inf, err := s.informers.ForResource(gv.WithResource(r.Name))
			if err != nil {
				return 0, false
			}
			s.informers.Start(s.stop)
			if !cache.WaitForCacheSync(s.stop, inf.Informer().HasSynced) {
				return 0, false
			}
			objs, err := inf.Lister().ByNamespace(ns).List(labels.Everything())
			if err != nil {
				return 0, false
			}
			return int64(len(objs)), true
		}
	}
	return 0, false
}
