// Package garbagecollector deletes objects whose owners are gone, as
// upstream's garbage collector does, for every resource the server
// serves, custom resources included: it keeps an ownership graph fed by
// metadata informers on all deletable, listable and watchable resources
// (found through discovery, re-checked every few seconds so new CRDs are
// picked up), and
//   - deletes dependents whose owners no longer exist (background
//     propagation), keeping the references to owners that still exist;
//   - for an owner deleted in the foreground (finalizer
//     foregroundDeletion), deletes its dependents and removes the
//     finalizer once no dependent with blockOwnerDeletion is left;
//   - for an owner deleted with orphan propagation (finalizer orphan),
//     removes the owner from its dependents' ownerReferences and then
//     the finalizer.
package garbagecollector

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
)

// Finalizers the API server adds for foreground and orphan deletion.
const (
	FinalizerDeleteDependents = metav1.FinalizerDeleteDependents
	FinalizerOrphan           = metav1.FinalizerOrphanDependents
)

// ignored are never watched, as upstream's default ignored resources.
var ignored = map[schema.GroupResource]bool{
	{Group: "", Resource: "events"}:              true,
	{Group: "events.k8s.io", Resource: "events"}: true,
}

// DiscoveryInterval is how often the watched resources are refreshed.
var DiscoveryInterval = 5 * time.Second

// GarbageCollector is a manager runnable (it watches resources known
// only at run time, so it is not a single-type reconciler).
type GarbageCollector struct {
	Metadata  metadata.Interface
	Discovery discovery.DiscoveryInterface
	Workers   int

	graph       *graph
	queue       workqueue.TypedRateLimitingInterface[types.UID]
	orphanQueue workqueue.TypedRateLimitingInterface[types.UID]
	absent      *uidSet

	mu       sync.Mutex
	mapping  map[schema.GroupKind]resource
	monitors map[schema.GroupVersionResource]*monitor
}

type resource struct {
	gvr        schema.GroupVersionResource
	kind       string
	namespaced bool
}

type monitor struct {
	stop     context.CancelFunc
	informer cache.SharedIndexInformer
}

// SetupWithManager adds the collector to mgr.
func (gc *GarbageCollector) SetupWithManager(mgr ctrl.Manager) error {
	return mgr.Add(gc)
}

// Start runs the collector until ctx ends.
func (gc *GarbageCollector) Start(ctx context.Context) error {
	if gc.Workers == 0 {
		gc.Workers = 10
	}
	gc.graph = newGraph()
	gc.absent = newUIDSet(10000)
	gc.monitors = map[schema.GroupVersionResource]*monitor{}
	gc.queue = workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[types.UID](), workqueue.TypedRateLimitingQueueConfig[types.UID]{Name: "garbage_collector_attempt_to_delete"})
	gc.orphanQueue = workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[types.UID](), workqueue.TypedRateLimitingQueueConfig[types.UID]{Name: "garbage_collector_attempt_to_orphan"})
	defer gc.queue.ShutDown()
	defer gc.orphanQueue.ShutDown()

	gc.resync(ctx)
	gc.waitForSync(ctx, 30*time.Second)
	for i := 0; i < gc.Workers; i++ {
		go gc.run(ctx, gc.queue, gc.attemptToDelete)
		go gc.run(ctx, gc.orphanQueue, gc.attemptToOrphan)
	}
	t := time.NewTicker(DiscoveryInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			gc.mu.Lock()
			for _, m := range gc.monitors {
				m.stop()
			}
			gc.mu.Unlock()
			return nil
		case <-t.C:
			gc.resync(ctx)
		}
	}
}

func (gc *GarbageCollector) waitForSync(ctx context.Context, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	gc.mu.Lock()
	var synced []cache.InformerSynced
	for _, m := range gc.monitors {
		synced = append(synced, m.informer.HasSynced)
	}
	gc.mu.Unlock()
	cache.WaitForCacheSync(ctx.Done(), synced...)
}

// resync refreshes the resource mapping and starts or stops informers.
func (gc *GarbageCollector) resync(ctx context.Context) {
	lists, err := gc.Discovery.ServerPreferredResources()
	if err != nil && len(lists) == 0 {
		klog.FromContext(ctx).Error(err, "garbage collector: discovery failed")
		return
	}
	mapping := map[schema.GroupKind]resource{}
	watch := map[schema.GroupVersionResource]resource{}
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") {
				continue
			}
			res := resource{gvr: gv.WithResource(r.Name), kind: r.Kind, namespaced: r.Namespaced}
			mapping[schema.GroupKind{Group: gv.Group, Kind: r.Kind}] = res
			if has(r.Verbs, "delete") && has(r.Verbs, "list") && has(r.Verbs, "watch") && !ignored[res.gvr.GroupResource()] {
				watch[res.gvr] = res
			}
		}
	}
	gc.mu.Lock()
	defer gc.mu.Unlock()
	gc.mapping = mapping
	for gvr, m := range gc.monitors {
		if _, ok := watch[gvr]; !ok {
			m.stop()
			delete(gc.monitors, gvr)
		}
	}
	for gvr, res := range watch {
		if _, ok := gc.monitors[gvr]; ok {
			continue
		}
		gc.monitors[gvr] = gc.startMonitor(ctx, res)
	}
}

func (gc *GarbageCollector) startMonitor(ctx context.Context, res resource) *monitor {
	inf := metadatainformer.NewFilteredMetadataInformer(gc.Metadata, res.gvr, metav1.NamespaceAll, 0, cache.Indexers{}, nil).Informer()
	apiVersion := res.gvr.GroupVersion().String()
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj interface{}) { gc.observed(apiVersion, res.kind, obj) },
		UpdateFunc: func(_, obj interface{}) { gc.observed(apiVersion, res.kind, obj) },
		DeleteFunc: func(obj interface{}) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if m, ok := obj.(*metav1.PartialObjectMetadata); ok {
				gc.absent.add(m.UID)
				gc.enqueue(gc.graph.remove(m.UID))
			}
		},
	})
	ctx, cancel := context.WithCancel(ctx)
	go inf.Run(ctx.Done())
	return &monitor{stop: cancel, informer: inf}
}

func (gc *GarbageCollector) observed(apiVersion, kind string, obj interface{}) {
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return
	}
	r := ref{APIVersion: apiVersion, Kind: kind, Namespace: m.Namespace, Name: m.Name, UID: m.UID}
	deleting := m.DeletionTimestamp != nil
	gc.enqueue(gc.graph.observe(r, m.OwnerReferences, deleting && hasFinalizer(m, FinalizerDeleteDependents)))
	if deleting && hasFinalizer(m, FinalizerOrphan) {
		gc.orphanQueue.Add(m.UID)
	}
}

func (gc *GarbageCollector) enqueue(uids []types.UID) {
	for _, u := range uids {
		gc.queue.Add(u)
	}
}

func (gc *GarbageCollector) run(ctx context.Context, q workqueue.TypedRateLimitingInterface[types.UID], fn func(context.Context, types.UID) error) {
	for {
		uid, quit := q.Get()
		if quit {
			return
		}
		err := fn(ctx, uid)
		switch {
		case err == nil:
			q.Forget(uid)
		case q.NumRequeues(uid) < 15:
			klog.FromContext(ctx).V(2).Info("garbage collector: retrying", "uid", uid, "err", err)
			q.AddRateLimited(uid)
		default:
			klog.FromContext(ctx).Error(err, "garbage collector: giving up", "uid", uid)
			q.Forget(uid)
		}
		q.Done(uid)
	}
}

// client returns the metadata client for objects of gk in namespace ns.
func (gc *GarbageCollector) client(gk schema.GroupKind, ns string) (metadata.ResourceInterface, error) {
	gc.mu.Lock()
	res, ok := gc.mapping[gk]
	gc.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("unable to get REST mapping for %s", gk)
	}
	if !res.namespaced {
		return gc.Metadata.Resource(res.gvr), nil
	}
	if ns == "" {
		return nil, fmt.Errorf("namespaced %s referenced from a cluster-scoped object", gk)
	}
	return gc.Metadata.Resource(res.gvr).Namespace(ns), nil
}

func (gc *GarbageCollector) get(ctx context.Context, r ref) (*metav1.PartialObjectMetadata, metadata.ResourceInterface, error) {
	c, err := gc.client(r.groupKind(), r.Namespace)
	if err != nil {
		return nil, nil, err
	}
	obj, err := c.Get(ctx, r.Name, metav1.GetOptions{})
	return obj, c, err
}

func (gc *GarbageCollector) attemptToDelete(ctx context.Context, uid types.UID) error {
	n := gc.graph.get(uid)
	if n == nil {
		return nil
	}
	if n.virtual {
		return gc.verifyVirtual(ctx, n.ref)
	}
	latest, c, err := gc.get(ctx, n.ref)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if latest.UID != uid {
		return nil
	}
	if latest.DeletionTimestamp != nil {
		if hasFinalizer(latest, FinalizerDeleteDependents) {
			return gc.processDeletingDependents(ctx, latest, c)
		}
		return nil
	}
	if len(latest.OwnerReferences) == 0 {
		return nil
	}
	var solid, dangling, waiting []metav1.OwnerReference
	for _, o := range latest.OwnerReferences {
		state, err := gc.ownerState(ctx, o, latest.Namespace)
		if err != nil {
			return err
		}
		switch state {
		case ownerSolid:
			solid = append(solid, o)
		case ownerDangling:
			dangling = append(dangling, o)
		case ownerWaiting:
			waiting = append(waiting, o)
		}
	}
	switch {
	case len(solid) != 0:
		if len(dangling) == 0 && len(waiting) == 0 {
			return nil
		}
		drop := map[types.UID]bool{}
		for _, o := range append(dangling, waiting...) {
			drop[o.UID] = true
		}
		return gc.patchOwnerRefs(ctx, c, latest, drop)
	case len(waiting) != 0 && len(gc.graph.dependents(uid)) != 0:
		return gc.delete(ctx, c, latest, metav1.DeletePropagationForeground)
	default:
		policy := metav1.DeletePropagationBackground
		switch {
		case hasFinalizer(latest, FinalizerOrphan):
			policy = metav1.DeletePropagationOrphan
		case hasFinalizer(latest, FinalizerDeleteDependents):
			policy = metav1.DeletePropagationForeground
		}
		return gc.delete(ctx, c, latest, policy)
	}
}

type ownerStateT int

const (
	ownerSolid ownerStateT = iota
	ownerDangling
	ownerWaiting
)

func (gc *GarbageCollector) ownerState(ctx context.Context, o metav1.OwnerReference, ns string) (ownerStateT, error) {
	if gc.absent.has(o.UID) {
		return ownerDangling, nil
	}
	gv, err := schema.ParseGroupVersion(o.APIVersion)
	if err != nil {
		return ownerDangling, nil
	}
	owner, _, err := gc.get(ctx, ref{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: gc.ownerNamespace(schema.GroupKind{Group: gv.Group, Kind: o.Kind}, ns), Name: o.Name})
	if apierrors.IsNotFound(err) {
		gc.absent.add(o.UID)
		return ownerDangling, nil
	}
	if err != nil {
		return ownerSolid, err
	}
	if owner.UID != o.UID {
		gc.absent.add(o.UID)
		return ownerDangling, nil
	}
	if owner.DeletionTimestamp != nil && hasFinalizer(owner, FinalizerDeleteDependents) {
		return ownerWaiting, nil
	}
	return ownerSolid, nil
}

// ownerNamespace is ns for namespaced kinds, "" for cluster-scoped ones.
func (gc *GarbageCollector) ownerNamespace(gk schema.GroupKind, ns string) string {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	if res, ok := gc.mapping[gk]; ok && !res.namespaced {
		return ""
	}
	return ns
}

// verifyVirtual checks an owner known only from references; when it does
// not exist its dependents are checked.
func (gc *GarbageCollector) verifyVirtual(ctx context.Context, r ref) error {
	r.Namespace = gc.ownerNamespace(r.groupKind(), r.Namespace)
	obj, _, err := gc.get(ctx, r)
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return err
	case obj.UID != r.UID:
	default:
		return nil
	}
	gc.absent.add(r.UID)
	for _, d := range gc.graph.dependents(r.UID) {
		gc.queue.Add(d.ref.UID)
	}
	return nil
}

// processDeletingDependents deletes the blocking dependents of an owner
// deleted in the foreground, and removes its finalizer once none is left.
func (gc *GarbageCollector) processDeletingDependents(ctx context.Context, owner *metav1.PartialObjectMetadata, c metadata.ResourceInterface) error {
	blocking := 0
	for _, d := range gc.graph.dependents(owner.UID) {
		if d.ownerRef.BlockOwnerDeletion == nil || !*d.ownerRef.BlockOwnerDeletion {
			continue
		}
		blocking++
		if dn := gc.graph.get(d.ref.UID); dn != nil && !dn.deletingDependents {
			gc.queue.Add(d.ref.UID)
		}
	}
	if blocking > 0 {
		return nil
	}
	return gc.removeFinalizer(ctx, c, owner, FinalizerDeleteDependents)
}

// attemptToOrphan removes an owner deleted with orphan propagation from
// its dependents, then its orphan finalizer.
func (gc *GarbageCollector) attemptToOrphan(ctx context.Context, uid types.UID) error {
	n := gc.graph.get(uid)
	if n == nil || n.virtual {
		return nil
	}
	owner, c, err := gc.get(ctx, n.ref)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if owner.UID != uid || owner.DeletionTimestamp == nil || !hasFinalizer(owner, FinalizerOrphan) {
		return nil
	}
	for _, d := range gc.graph.dependents(uid) {
		dep, dc, err := gc.get(ctx, d.ref)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if dep.UID != d.ref.UID {
			continue
		}
		if err := gc.patchOwnerRefs(ctx, dc, dep, map[types.UID]bool{uid: true}); err != nil {
			return err
		}
	}
	return gc.removeFinalizer(ctx, c, owner, FinalizerOrphan)
}

func (gc *GarbageCollector) delete(ctx context.Context, c metadata.ResourceInterface, obj *metav1.PartialObjectMetadata, policy metav1.DeletionPropagation) error {
	uid := obj.UID
	err := c.Delete(ctx, obj.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}, PropagationPolicy: &policy})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

type metaPatch struct {
	Metadata patchMeta `json:"metadata"`
}

type patchMeta struct {
	ResourceVersion string                  `json:"resourceVersion"`
	UID             types.UID               `json:"uid"`
	OwnerReferences []metav1.OwnerReference `json:"ownerReferences,omitempty"`
	Finalizers      *[]string               `json:"finalizers,omitempty"`
}

// patchOwnerRefs removes the references to drop from obj, retrying on
// conflicts.
func (gc *GarbageCollector) patchOwnerRefs(ctx context.Context, c metadata.ResourceInterface, obj *metav1.PartialObjectMetadata, drop map[types.UID]bool) error {
	for i := 0; ; i++ {
		keep := []metav1.OwnerReference{}
		for _, o := range obj.OwnerReferences {
			if !drop[o.UID] {
				keep = append(keep, o)
			}
		}
		if len(keep) == len(obj.OwnerReferences) {
			return nil
		}
		var body []byte
		if len(keep) == 0 {
			body, _ = json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{
				"resourceVersion": obj.ResourceVersion, "uid": obj.UID, "ownerReferences": nil}})
		} else {
			body, _ = json.Marshal(metaPatch{patchMeta{ResourceVersion: obj.ResourceVersion, UID: obj.UID, OwnerReferences: keep}})
		}
		_, err := c.Patch(ctx, obj.Name, types.MergePatchType, body, metav1.PatchOptions{})
		if err == nil || apierrors.IsNotFound(err) {
			return nil
		}
		if !apierrors.IsConflict(err) || i >= 5 {
			return err
		}
		fresh, gerr := c.Get(ctx, obj.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(gerr) {
			return nil
		}
		if gerr != nil {
			return gerr
		}
		if fresh.UID != obj.UID {
			return nil
		}
		obj = fresh
	}
}

// removeFinalizer removes finalizer f from obj, retrying on conflicts.
func (gc *GarbageCollector) removeFinalizer(ctx context.Context, c metadata.ResourceInterface, obj *metav1.PartialObjectMetadata, f string) error {
	for i := 0; ; i++ {
		if !hasFinalizer(obj, f) {
			return nil
		}
		keep := []string{}
		for _, x := range obj.Finalizers {
			if x != f {
				keep = append(keep, x)
			}
		}
		body, _ := json.Marshal(metaPatch{patchMeta{ResourceVersion: obj.ResourceVersion, UID: obj.UID, Finalizers: &keep}})
		_, err := c.Patch(ctx, obj.Name, types.MergePatchType, body, metav1.PatchOptions{})
		if err == nil || apierrors.IsNotFound(err) {
			return nil
		}
		if !apierrors.IsConflict(err) || i >= 5 {
			return err
		}
		fresh, gerr := c.Get(ctx, obj.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(gerr) {
			return nil
		}
		if gerr != nil {
			return gerr
		}
		if fresh.UID != obj.UID {
			return nil
		}
		obj = fresh
	}
}

func hasFinalizer(m metav1.Object, f string) bool {
	for _, x := range m.GetFinalizers() {
		if x == f {
			return true
		}
	}
	return false
}

func has(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// uidSet is a bounded set of UIDs known to be absent.
type uidSet struct {
	mu  sync.Mutex
	max int
	m   map[types.UID]struct{}
}

func newUIDSet(max int) *uidSet { return &uidSet{max: max, m: map[types.UID]struct{}{}} }

func (s *uidSet) add(u types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= s.max {
		s.m = map[types.UID]struct{}{}
	}
	s.m[u] = struct{}{}
}

func (s *uidSet) has(u types.UID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[u]
	return ok
}
