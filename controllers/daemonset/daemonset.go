// Package daemonset runs DaemonSets as upstream's DaemonSet controller
// does: one pod on every node that passes the DaemonSet's node selector,
// required node affinity and taints (with the default daemon
// tolerations), pods pinned to their node by a matchFields node affinity,
// RollingUpdate with maxUnavailable and maxSurge, OnDelete, and
// ControllerRevisions for `kubectl rollout history/undo`.
package daemonset

import (
	"context"
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/skiff-k8s/skiff/controllers/internal/workload"
	"github.com/skiff-k8s/skiff/controllers/statefulset"
)

var controllerKind = appsv1.SchemeGroupVersion.WithKind("DaemonSet")

// TemplateGenerationLabel is the label upstream puts on daemon pods with
// the DaemonSet's template generation.
const TemplateGenerationLabel = "pod-template-generation"

// isUpdated is upstream's IsPodUpdated: the pod has the current hash or
// the current template generation.
func isUpdated(ds *appsv1.DaemonSet, p *corev1.Pod, hash string) bool {
	if hash != "" && p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == hash {
		return true
	}
	g, ok := ds.Annotations[appsv1.DeprecatedTemplateGeneration]
	return ok && p.Labels[TemplateGenerationLabel] == g
}

// Reconciler manages the pods and revisions of DaemonSets.
type Reconciler struct {
	Client    client.Client
	APIReader client.Reader
	Recorder  record.EventRecorder
}

// SetupWithManager watches DaemonSets, their pods, revisions and nodes.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorderFor("daemonset-controller")
	}
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	if err := workload.IndexControllerUID(mgr, &corev1.Pod{}); err != nil {
		return err
	}
	enqueueOwner := func(o client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		ref := metav1.GetControllerOfNoCopy(o)
		if ref != nil && ref.Kind == controllerKind.Kind && ref.APIVersion == controllerKind.GroupVersion().String() {
			q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: ref.Name}})
		}
	}
	owned := handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueueOwner(e.Object, q)
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueueOwner(e.ObjectOld, q)
			enqueueOwner(e.ObjectNew, q)
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueueOwner(e.Object, q)
		},
	}
	enqueueAll := func(q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		list := &appsv1.DaemonSetList{}
		if err := r.Client.List(context.Background(), list); err != nil {
			return
		}
		for i := range list.Items {
			q.Add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
	}
	nodes := handler.Funcs{
		CreateFunc: func(_ context.Context, _ event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueueAll(q)
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			o, n := e.ObjectOld.(*corev1.Node), e.ObjectNew.(*corev1.Node)
			if !labels.Equals(o.Labels, n.Labels) || !equality(o.Spec.Taints, n.Spec.Taints) || o.Spec.Unschedulable != n.Spec.Unschedulable {
				enqueueAll(q)
			}
		},
		DeleteFunc: func(_ context.Context, _ event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueueAll(q)
		},
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("daemonset").
		For(&appsv1.DaemonSet{}).
		Watches(&corev1.Pod{}, owned).
		Watches(&appsv1.ControllerRevision{}, owned).
		Watches(&corev1.Node{}, nodes).
		Complete(r)
}

func equality(a, b []corev1.Taint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Value != b[i].Value || a[i].Effect != b[i].Effect {
			return false
		}
	}
	return true
}

// nodeOf is the node a daemon pod runs on or is pinned to.
func nodeOf(p *corev1.Pod) string {
	if p.Spec.NodeName != "" {
		return p.Spec.NodeName
	}
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, t := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, f := range t.MatchFields {
			if f.Key == "metadata.name" && f.Operator == corev1.NodeSelectorOpIn && len(f.Values) == 1 {
				return f.Values[0]
			}
		}
	}
	return ""
}

// Reconcile syncs one DaemonSet.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ds := &appsv1.DaemonSet{}
	if err := r.Client.Get(ctx, req.NamespacedName, ds); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if ds.DeletionTimestamp != nil {
		return ctrl.Result{}, nil
	}
	selector, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err != nil || selector.Empty() {
		return ctrl.Result{}, nil
	}
	var all []*corev1.Pod
	for _, uid := range []string{string(ds.UID), ""} {
		list := &corev1.PodList{}
		if err := r.Client.List(ctx, list, client.InNamespace(ds.Namespace), client.MatchingFields{workload.ControllerUIDIndex: uid}); err != nil {
			return ctrl.Result{}, err
		}
		for i := range list.Items {
			all = append(all, &list.Items[i])
		}
	}
	claimer := &workload.Claimer{
		Client: r.Client, Owner: ds, OwnerGVK: controllerKind, Selector: selector,
		CanAdopt: workload.CanAdoptFunc(ds, func(ctx context.Context) (metav1.Object, error) {
			fresh := &appsv1.DaemonSet{}
			return fresh, r.APIReader.Get(ctx, req.NamespacedName, fresh)
		}),
	}
	pods, err := workload.Claim(ctx, claimer, all)
	if err != nil {
		return ctrl.Result{}, err
	}
	revs, err := statefulset.OwnedRevisions(ctx, r.Client, ds)
	if err != nil {
		return ctrl.Result{}, err
	}
	rv := &statefulset.Revisioner{Client: r.Client, Owner: ds, OwnerGVK: controllerKind, Template: &ds.Spec.Template, Collision: ds.Status.CollisionCount,
		Labels: func(hash string) map[string]string {
			l := map[string]string{}
			for k, v := range ds.Spec.Template.Labels {
				l[k] = v
			}
			l[appsv1.DefaultDaemonSetUniqueLabelKey] = hash
			return l
		},
		// Upstream names DaemonSet revisions by the pod-template hash.
		Hash: func(_ []byte, collision *int32) string {
			if collision != nil && *collision == 0 && ds.Status.CollisionCount == nil {
				collision = nil
			}
			return workload.ComputeHash(&ds.Spec.Template, collision)
		}}
	cur, collision, err := rv.UpdateRevision(ctx, revs)
	if err != nil {
		if collision != ptr.Deref(ds.Status.CollisionCount, 0) {
			cp := ds.DeepCopy()
			cp.Status.CollisionCount = &collision
			_ = r.Client.Status().Update(ctx, cp)
		}
		return ctrl.Result{}, err
	}
	hash := cur.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]
	// The current revision carries the DaemonSet's annotations (its
	// change-cause), as upstream keeps them in sync.
	if !annotationsEqual(cur.Annotations, ds.Annotations) {
		cp := cur.DeepCopy()
		cp.Annotations = ds.Annotations
		if err := r.Client.Update(ctx, cp); err != nil {
			return ctrl.Result{}, err
		}
	}
	nodeList := &corev1.NodeList{}
	if err := r.Client.List(ctx, nodeList); err != nil {
		return ctrl.Result{}, err
	}
	byNode := map[string][]*corev1.Pod{}
	for _, p := range pods {
		byNode[nodeOf(p)] = append(byNode[nodeOf(p)], p)
	}
	requeue, err := r.manage(ctx, ds, nodeList.Items, byNode, hash)
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := r.updateStatus(ctx, ds, nodeList.Items, byNode, hash, collision); err != nil {
		return ctrl.Result{}, err
	}
	live := map[string]bool{cur.Name: true}
	for _, p := range pods {
		if h := p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]; h != "" {
			live[statefulset.RevisionName(ds.Name, h)] = true
		}
	}
	if revs, err = statefulset.OwnedRevisions(ctx, r.Client, ds); err != nil {
		return ctrl.Result{}, err
	}
	if err := statefulset.Truncate(ctx, r.Client, revs, live, ptr.Deref(ds.Spec.RevisionHistoryLimit, 10)); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: requeue}, nil
}

func isAvailable(p *corev1.Pod, minReady int32, now time.Time) bool {
	return p.DeletionTimestamp == nil && workload.IsPodAvailable(p, minReady, now)
}

// manage creates and deletes daemon pods node by node.
func (r *Reconciler) manage(ctx context.Context, ds *appsv1.DaemonSet, nodes []corev1.Node, byNode map[string][]*corev1.Pod, hash string) (time.Duration, error) {
	now := time.Now()
	var toCreate []string
	var toDelete []*corev1.Pod
	exists := map[string]bool{}
	rolling := ds.Spec.UpdateStrategy.Type != appsv1.OnDeleteDaemonSetStrategyType
	desired := 0
	for i := range nodes {
		if ShouldRun(ds, &nodes[i]) {
			desired++
		}
	}
	maxSurge, maxUnavailable := 0, 1
	if ru := ds.Spec.UpdateStrategy.RollingUpdate; rolling && ru != nil {
		if ru.MaxSurge != nil {
			maxSurge, _ = intstr.GetScaledValueFromIntOrPercent(ru.MaxSurge, desired, true)
		}
		if ru.MaxUnavailable != nil {
			maxUnavailable, _ = intstr.GetScaledValueFromIntOrPercent(ru.MaxUnavailable, desired, true)
		}
		if maxSurge == 0 && maxUnavailable == 0 {
			maxUnavailable = 1
		}
	}
	// First pass: per node placement.
	type nodeState struct {
		name     string
		old, new []*corev1.Pod
	}
	var running []nodeState
	unavailable := 0
	for i := range nodes {
		n := &nodes[i]
		exists[n.Name] = true
		ps := byNode[n.Name]
		var active []*corev1.Pod
		for _, p := range ps {
			switch {
			case p.DeletionTimestamp != nil:
			case p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded:
				toDelete = append(toDelete, p)
			default:
				active = append(active, p)
			}
		}
		if !ShouldRun(ds, n) {
			toDelete = append(toDelete, active...)
			continue
		}
		if len(active) == 0 {
			if !hasTerminating(ps) || ds.Spec.UpdateStrategy.Type != appsv1.OnDeleteDaemonSetStrategyType {
				toCreate = append(toCreate, n.Name)
			}
			unavailable++
			continue
		}
		st := nodeState{name: n.Name}
		for _, p := range active {
			if isUpdated(ds, p, hash) {
				st.new = append(st.new, p)
			} else {
				st.old = append(st.old, p)
			}
		}
		sortOldest(st.new)
		sortOldest(st.old)
		// Duplicates: keep the oldest of each kind.
		if len(st.new) > 1 {
			toDelete = append(toDelete, st.new[1:]...)
			st.new = st.new[:1]
		}
		if len(st.old) > 1 {
			toDelete = append(toDelete, st.old[1:]...)
			st.old = st.old[:1]
		}
		if !rolling && len(st.new) > 0 && len(st.old) > 0 {
			toDelete = append(toDelete, st.old...)
			st.old = nil
		}
		avail := false
		for _, p := range append(append([]*corev1.Pod{}, st.new...), st.old...) {
			if isAvailable(p, ds.Spec.MinReadySeconds, now) {
				avail = true
			}
		}
		if !avail {
			unavailable++
		}
		running = append(running, st)
	}
	// Pods on nodes that no longer exist.
	for name, ps := range byNode {
		if name != "" && !exists[name] {
			for _, p := range ps {
				if p.DeletionTimestamp == nil {
					toDelete = append(toDelete, p)
				}
			}
		}
	}
	// Rolling update.
	if rolling {
		surging := 0
		for _, st := range running {
			if len(st.old) > 0 && len(st.new) > 0 {
				surging++
			}
		}
		for _, st := range running {
			if len(st.old) == 0 {
				continue
			}
			old := st.old[0]
			oldAvail := isAvailable(old, ds.Spec.MinReadySeconds, now)
			switch {
			case len(st.new) > 0:
				if isAvailable(st.new[0], ds.Spec.MinReadySeconds, now) || !oldAvail {
					toDelete = append(toDelete, old)
				}
			case !oldAvail:
				// Unavailable old pods are replaced at once.
				toDelete = append(toDelete, old)
			case maxSurge > 0:
				if surging < maxSurge {
					surging++
					toCreate = append(toCreate, st.name)
				}
			case unavailable < maxUnavailable:
				unavailable++
				toDelete = append(toDelete, old)
			}
		}
	}
	for _, node := range toCreate {
		if err := r.createPod(ctx, ds, node, hash); err != nil {
			return 0, err
		}
	}
	for _, p := range toDelete {
		err := r.Client.Delete(ctx, p, client.Preconditions{UID: &p.UID})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			r.Recorder.Eventf(ds, corev1.EventTypeWarning, "FailedDaemonPod", "Error deleting: %v", err)
			return 0, err
		}
		r.Recorder.Eventf(ds, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %v", p.Name)
	}
	var all []*corev1.Pod
	for _, ps := range byNode {
		all = append(all, ps...)
	}
	if d := workload.NextAvailabilityCheck(all, ds.Spec.MinReadySeconds, now); d != nil {
		return *d, nil
	}
	return 0, nil
}

func hasTerminating(ps []*corev1.Pod) bool {
	for _, p := range ps {
		if p.DeletionTimestamp != nil {
			return true
		}
	}
	return false
}

func sortOldest(ps []*corev1.Pod) {
	sort.SliceStable(ps, func(i, j int) bool {
		if !ps[i].CreationTimestamp.Equal(&ps[j].CreationTimestamp) {
			return ps[i].CreationTimestamp.Before(&ps[j].CreationTimestamp)
		}
		return ps[i].Name < ps[j].Name
	})
}

// NewPod builds the daemon pod of ds for node.
func NewPod(ds *appsv1.DaemonSet, node, hash string) *corev1.Pod {
	pod := workload.PodFromTemplate(&ds.Spec.Template, ds, controllerKind)
	pod.Namespace = ds.Namespace
	pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] = hash
	if g, ok := ds.Annotations[appsv1.DeprecatedTemplateGeneration]; ok {
		pod.Labels[TemplateGenerationLabel] = g
	}
	AddDefaultTolerations(&pod.Spec)
	if pod.Spec.Affinity == nil {
		pod.Spec.Affinity = &corev1.Affinity{}
	}
	if pod.Spec.Affinity.NodeAffinity == nil {
		pod.Spec.Affinity.NodeAffinity = &corev1.NodeAffinity{}
	}
	pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{{
			Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{node},
		}}}},
	}
	return pod
}

func (r *Reconciler) createPod(ctx context.Context, ds *appsv1.DaemonSet, node, hash string) error {
	pod := NewPod(ds, node, hash)
	if err := r.Client.Create(ctx, pod); err != nil {
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			return nil
		}
		r.Recorder.Eventf(ds, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		return err
	}
	r.Recorder.Eventf(ds, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %v", pod.Name)
	return nil
}

func (r *Reconciler) updateStatus(ctx context.Context, ds *appsv1.DaemonSet, nodes []corev1.Node, byNode map[string][]*corev1.Pod, hash string, collision int32) error {
	now := time.Now()
	var s appsv1.DaemonSetStatus
	for i := range nodes {
		n := &nodes[i]
		should := ShouldRun(ds, n)
		var ps []*corev1.Pod
		for _, p := range byNode[n.Name] {
			if p.Status.Phase != corev1.PodFailed && p.Status.Phase != corev1.PodSucceeded {
				ps = append(ps, p)
			}
		}
		if should {
			s.DesiredNumberScheduled++
		}
		if len(ps) == 0 {
			continue
		}
		if !should {
			s.NumberMisscheduled++
			continue
		}
		s.CurrentNumberScheduled++
		sortOldest(ps)
		// The newest pod on the node speaks for it, as upstream.
		p := ps[len(ps)-1]
		if workload.IsPodReady(p) {
			s.NumberReady++
			if workload.IsPodAvailable(p, ds.Spec.MinReadySeconds, now) {
				s.NumberAvailable++
			}
		}
		if isUpdated(ds, p, hash) {
			s.UpdatedNumberScheduled++
		}
	}
	s.NumberUnavailable = max(s.DesiredNumberScheduled-s.NumberAvailable, 0)
	s.ObservedGeneration = ds.Generation
	s.CollisionCount = &collision
	if collision == 0 && ds.Status.CollisionCount == nil {
		s.CollisionCount = nil
	}
	s.Conditions = ds.Status.Conditions
	old := ds.Status
	if old.DesiredNumberScheduled == s.DesiredNumberScheduled && old.CurrentNumberScheduled == s.CurrentNumberScheduled &&
		old.NumberMisscheduled == s.NumberMisscheduled && old.NumberReady == s.NumberReady && old.NumberAvailable == s.NumberAvailable &&
		old.UpdatedNumberScheduled == s.UpdatedNumberScheduled && old.NumberUnavailable == s.NumberUnavailable &&
		old.ObservedGeneration == s.ObservedGeneration && ptr.Equal(old.CollisionCount, s.CollisionCount) {
		return nil
	}
	for i := 0; ; i++ {
		cp := ds.DeepCopy()
		cp.Status = s
		err := r.Client.Status().Update(ctx, cp)
		if err == nil || i >= 1 || !apierrors.IsConflict(err) {
			return err
		}
		fresh := &appsv1.DaemonSet{}
		if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(ds), fresh); err != nil {
			return err
		}
		s.ObservedGeneration = fresh.Generation
		ds = fresh
	}
}

func annotationsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
