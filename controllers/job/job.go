// Package job runs Jobs to completion as kube-controller-manager's job
// controller does: it creates pods up to parallelism, tracks finished pods
// with the batch.kubernetes.io/job-tracking finalizer and
// status.uncountedTerminatedPods, applies backoffLimit, podFailurePolicy,
// successPolicy, activeDeadlineSeconds and suspend, and reports the
// conditions upstream 1.37 reports (SuccessCriteriaMet then Complete,
// FailureTarget then Failed, Suspended).
//
// Pods and Jobs are read from the API server (quorum reads), not from the
// informer cache, so no creation/deletion expectations are needed.
package job

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
)

var (
	// DefaultBackoff is the delay before recreating a failed pod; it
	// doubles with each further failure up to MaxBackoff (upstream: 10s
	// and 6m).
	DefaultBackoff = 10 * time.Second
	MaxBackoff     = 6 * time.Minute
	// MaxPodCreateDeletePerSync caps pod creations or deletions per sync.
	MaxPodCreateDeletePerSync = 500
)

// ControllerName is the spec.managedBy value of Jobs this controller runs.
const ControllerName = "kubernetes.io/job-controller"

// Reconciler runs Jobs.
type Reconciler struct {
	Client client.Client
	// Reader reads without cache; the manager's API reader by default.
	Reader client.Reader
	// Now is the clock; time.Now by default.
	Now func() time.Time

	rec record.EventRecorder
}

// SetupWithManager watches Jobs and the pods they own.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.rec = mgr.GetEventRecorderFor("job-controller") //nolint:staticcheck // core/v1 events, as upstream
	if r.Reader == nil {
		r.Reader = mgr.GetAPIReader()
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("job").
		For(&batchv1.Job{}).
		Owns(&corev1.Pod{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: 4}).
		Complete(r)
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Reconciler) event(obj *batchv1.Job, typ, reason, format string, args ...interface{}) {
	if r.rec != nil {
		r.rec.Eventf(obj, typ, reason, format, args...)
	}
}

// syncCtx is the state of one sync, as upstream's syncJobCtx.
type syncCtx struct {
	job               *batchv1.Job
	pods              []*corev1.Pod
	active            []*corev1.Pod
	ready             int32
	terminating       int32
	succeeded, failed int32
	uncountedSucc     sets.Set[types.UID]
	uncountedFail     sets.Set[types.UID]
	prevSucceededIx   indexSet
	succeededIx       indexSet
	finished          *batchv1.JobCondition
	requeue           time.Duration
}

func (s *syncCtx) requeueAfter(d time.Duration) {
	if d > 0 && (s.requeue == 0 || d < s.requeue) {
		s.requeue = d
	}
}

// Reconcile syncs one Job.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	job := &batchv1.Job{}
	if err := r.Reader.Get(ctx, req.NamespacedName, job); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, r.releaseOrphans(ctx, req)
		}
		return ctrl.Result{}, err
	}
	if job.Spec.ManagedBy != nil && *job.Spec.ManagedBy != ControllerName {
		return ctrl.Result{}, nil
	}
	pods, err := r.podsOf(ctx, job)
	if err != nil {
		return ctrl.Result{}, err
	}
	if isFinished(job) {
		// Pods may still hold the tracking finalizer (e.g. created after
		// the last sync); they are not counted any more.
		_, err := r.removeFinalizers(ctx, withFinalizer(pods))
		return ctrl.Result{}, err
	}
	if job.Spec.CompletionMode != nil && *job.Spec.CompletionMode != batchv1.NonIndexedCompletion && *job.Spec.CompletionMode != batchv1.IndexedCompletion {
		r.event(job, corev1.EventTypeWarning, "UnknownCompletionMode", "Skipped Job sync because completion mode is unknown")
		return ctrl.Result{}, nil
	}
	s, err := r.sync(ctx, job, pods)
	if err != nil {
		if apierrors.IsConflict(err) {
			return ctrl.Result{Requeue: true}, nil
		}
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: s.requeue}, nil
}

func (r *Reconciler) sync(ctx context.Context, job *batchv1.Job, pods []*corev1.Pod) (*syncCtx, error) {
	if job.Status.UncountedTerminatedPods == nil {
		job.Status.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{}
	}
	orig := job.Status.DeepCopy()
	s := &syncCtx{job: job, pods: pods,
		uncountedSucc: sets.New(job.Status.UncountedTerminatedPods.Succeeded...),
		uncountedFail: sets.New(job.Status.UncountedTerminatedPods.Failed...)}
	for _, p := range pods {
		if isTerminating(p) {
			s.terminating++
		}
		if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed && p.DeletionTimestamp == nil {
			s.active = append(s.active, p)
			if podReady(p) {
				s.ready++
			}
		}
	}
	active := int32(len(s.active))
	newSucc, newFail := s.newFinishedPods()
	s.succeeded = job.Status.Succeeded + int32(len(newSucc)) + int32(s.uncountedSucc.Len())
	s.failed = job.Status.Failed + int32(nonIgnoredFailed(job, newFail)) + int32(s.uncountedFail.Len())

	now := r.now()
	if job.Status.StartTime == nil && !suspended(job) {
		t := metav1.NewTime(now)
		job.Status.StartTime = &t
	}

	s.finished = successCriteriaMet(job)
	if s.finished == nil {
		if ft := findCondition(job.Status.Conditions, batchv1.JobFailureTarget); ft != nil && ft.Status == corev1.ConditionTrue {
			s.finished = newCondition(batchv1.JobFailed, corev1.ConditionTrue, ft.Reason, ft.Message, now)
		} else if msg := failJobMessage(job, pods); msg != nil {
			s.finished = newCondition(batchv1.JobFailureTarget, corev1.ConditionTrue, batchv1.JobReasonPodFailurePolicy, *msg, now)
		}
	}
	if s.finished == nil {
		if s.failed > *job.Spec.BackoffLimit || pastBackoffLimitOnFailure(job, pods) {
			s.finished = newCondition(batchv1.JobFailureTarget, corev1.ConditionTrue, batchv1.JobReasonBackoffLimitExceeded, "Job has reached the specified backoff limit", now)
		} else if pastActiveDeadline(job, now) {
			s.finished = newCondition(batchv1.JobFailureTarget, corev1.ConditionTrue, batchv1.JobReasonDeadlineExceeded, "Job was active longer than specified deadline", now)
		} else if job.Spec.ActiveDeadlineSeconds != nil && !suspended(job) {
			s.requeueAfter(time.Duration(*job.Spec.ActiveDeadlineSeconds)*time.Second - now.Sub(job.Status.StartTime.Time))
		}
	}
	if indexed(job) {
		completions := int(*job.Spec.Completions)
		s.prevSucceededIx = parseIndexes(job.Status.CompletedIndexes, completions)
		s.succeededIx = indexSet{}
		for i := range s.prevSucceededIx {
			s.succeededIx[i] = true
		}
		for _, p := range pods {
			if ix := completionIndex(p); p.Status.Phase == corev1.PodSucceeded && ix != unknownIndex && ix < completions {
				s.succeededIx[ix] = true
			}
		}
		s.succeeded = int32(len(s.succeededIx))
		if s.finished == nil {
			if msg, ok := matchSuccessPolicy(job.Spec.SuccessPolicy, completions, s.succeededIx); ok {
				s.finished = newCondition(batchv1.JobSuccessCriteriaMet, corev1.ConditionTrue, batchv1.JobReasonSuccessPolicy, msg, now)
			}
		}
	}

	var manageErr error
	if s.finished != nil {
		deletedReady, deleted, err := r.deletePods(ctx, job, s.active)
		if deleted != active {
			s.finished = nil
		}
		active -= deleted
		s.terminating += deleted
		s.ready -= deletedReady
		manageErr = err
	} else {
		managed := false
		if job.DeletionTimestamp == nil {
			active, manageErr = r.manage(ctx, s, now)
			managed = true
		}
		complete := false
		if job.Spec.Completions == nil {
			complete = s.succeeded > 0 && active == 0
		} else {
			complete = s.succeeded >= *job.Spec.Completions && active == 0
		}
		if complete {
			s.finished = newCondition(batchv1.JobSuccessCriteriaMet, corev1.ConditionTrue, batchv1.JobReasonCompletionsReached,
				"Reached expected number of succeeded pods", now)
		} else if managed {
			var changed bool
			if suspended(job) {
				job.Status.Conditions, changed = ensureCondition(job.Status.Conditions, batchv1.JobSuspended, corev1.ConditionTrue, "JobSuspended", "Job suspended", now)
				if changed {
					r.event(job, corev1.EventTypeNormal, "Suspended", "Job suspended")
					job.Status.StartTime = nil
				}
			} else {
				job.Status.Conditions, changed = ensureCondition(job.Status.Conditions, batchv1.JobSuspended, corev1.ConditionFalse, "JobResumed", "Job resumed", now)
				if changed {
					r.event(job, corev1.EventTypeNormal, "Resumed", "Job resumed")
					t := metav1.NewTime(now)
					job.Status.StartTime = &t
				}
			}
		}
	}
	job.Status.Active = active
	job.Status.Ready = &s.ready
	job.Status.Terminating = &s.terminating
	if err := r.track(ctx, s, orig, now); err != nil {
		return s, err
	}
	return s, manageErr
}

// newFinishedPods are the finished pods not yet counted.
func (s *syncCtx) newFinishedPods() (succeeded, failed []*corev1.Pod) {
	for _, p := range s.pods {
		if !hasFinalizer(p) || s.uncountedSucc.Has(p.UID) || s.uncountedFail.Has(p.UID) {
			continue
		}
		if indexed(s.job) {
			if ix := completionIndex(p); ix == unknownIndex || ix >= int(*s.job.Spec.Completions) {
				continue
			}
		}
		if p.Status.Phase == corev1.PodSucceeded {
			succeeded = append(succeeded, p)
		} else if isPodFailed(p, s.job) {
			failed = append(failed, p)
		}
	}
	return succeeded, failed
}

// manage creates or deletes pods towards the wanted number of active
// pods; it returns the new number of active pods.
func (r *Reconciler) manage(ctx context.Context, s *syncCtx, now time.Time) (int32, error) {
	job := s.job
	active := int32(len(s.active))
	parallelism := *job.Spec.Parallelism
	if suspended(job) {
		deletedReady, deleted, err := r.deletePods(ctx, job, s.active)
		s.terminating += deleted
		s.ready -= deletedReady
		return active - deleted, err
	}
	var want int32
	if job.Spec.Completions == nil {
		want = parallelism
		if s.succeeded > 0 {
			want = active
		}
	} else {
		want = min(*job.Spec.Completions-s.succeeded, parallelism)
		want = max(want, 0)
	}
	rm := podsForRemoval(job, s.active, int(max(active-want, 0)))
	if len(rm) > MaxPodCreateDeletePerSync {
		rm = rm[:MaxPodCreateDeletePerSync]
	}
	if len(rm) > 0 {
		deletedReady, deleted, err := r.deletePods(ctx, job, rm)
		s.terminating += deleted
		s.ready -= deletedReady
		return active - deleted, err
	}
	var terminating int32
	if onlyReplaceFailed(job) {
		terminating = s.terminating
	}
	diff := want - terminating - active
	if diff <= 0 {
		return active, nil
	}
	if wait := r.backoffRemaining(s, now); wait > 0 {
		s.requeueAfter(wait)
		return active, nil
	}
	diff = min(diff, int32(MaxPodCreateDeletePerSync))
	var indexes []int
	if indexed(job) {
		indexes = firstPendingIndexes(s, int(diff), int(*job.Spec.Completions))
		diff = int32(len(indexes))
	}
	template := job.Spec.Template.DeepCopy()
	if indexed(job) {
		addIndexEnv(template)
	}
	if !slices.Contains(template.Finalizers, batchv1.JobTrackingFinalizer) {
		template.Finalizers = append(template.Finalizers, batchv1.JobTrackingFinalizer)
	}
	var (
		mu      sync.Mutex
		errs    []error
		created int32
	)
	// Slow start, as upstream: batches of 1, 2, 4, ... stop at the first
	// batch with an error.
	for batch := min(diff, 1); diff > 0; batch = min(2*batch, diff) {
		var wg sync.WaitGroup
		failedBefore := len(errs)
		for i := int32(0); i < batch; i++ {
			ix := unknownIndex
			if len(indexes) > 0 {
				ix, indexes = indexes[0], indexes[1:]
			}
			wg.Add(1)
			go func(ix int) {
				defer wg.Done()
				pod := podFromTemplate(job, template, ix)
				err := r.Client.Create(ctx, pod)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
						return
					}
					errs = append(errs, err)
					r.event(job, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
					return
				}
				created++
				r.event(job, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %v", pod.Name)
			}(ix)
		}
		wg.Wait()
		diff -= batch
		if len(errs) > failedBefore {
			break
		}
	}
	if len(errs) > 0 {
		return active + created, errs[0]
	}
	return active + created, nil
}

// backoffRemaining is how long pod creation waits after failures: the
// base delay doubled for each consecutive failure since the last success,
// from the last failure.
func (r *Reconciler) backoffRemaining(s *syncCtx, now time.Time) time.Duration {
	var lastFail, lastSucc time.Time
	failures := 0
	for _, p := range s.pods {
		t := finishTime(p)
		switch {
		case p.Status.Phase == corev1.PodSucceeded:
			if t.After(lastSucc) {
				lastSucc = t
			}
		case isPodFailed(p, s.job):
			if t.After(lastFail) {
				lastFail = t
			}
		}
	}
	for _, p := range s.pods {
		if isPodFailed(p, s.job) && p.Status.Phase != corev1.PodSucceeded && finishTime(p).After(lastSucc) {
			failures++
		}
	}
	if failures == 0 || lastFail.IsZero() {
		return 0
	}
	delay := time.Duration(float64(DefaultBackoff) * math.Pow(2, float64(failures-1)))
	if delay > MaxBackoff || delay <= 0 {
		delay = MaxBackoff
	}
	return lastFail.Add(delay).Sub(now)
}

func finishTime(p *corev1.Pod) time.Time {
	var t time.Time
	for _, cs := range append(slices.Clone(p.Status.ContainerStatuses), p.Status.InitContainerStatuses...) {
		if cs.State.Terminated != nil && cs.State.Terminated.FinishedAt.After(t) {
			t = cs.State.Terminated.FinishedAt.Time
		}
	}
	if t.IsZero() && p.DeletionTimestamp != nil {
		t = p.DeletionTimestamp.Time
	}
	if t.IsZero() {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.LastTransitionTime.After(t) {
				t = c.LastTransitionTime.Time
			}
		}
	}
	return t
}

// firstPendingIndexes are the lowest indexes neither succeeded nor active.
func firstPendingIndexes(s *syncCtx, count, completions int) []int {
	busy := indexSet{}
	for i := range s.succeededIx {
		busy[i] = true
	}
	for _, p := range s.active {
		busy[completionIndex(p)] = true
	}
	if onlyReplaceFailed(s.job) {
		for _, p := range s.pods {
			if isTerminating(p) {
				busy[completionIndex(p)] = true
			}
		}
	}
	var out []int
	for i := 0; i < completions && len(out) < count; i++ {
		if !busy[i] {
			out = append(out, i)
		}
	}
	return out
}

func podFromTemplate(job *batchv1.Job, t *corev1.PodTemplateSpec, ix int) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:    job.Namespace,
			GenerateName: job.Name + "-",
			Labels:       copyMap(t.Labels),
			Annotations:  copyMap(t.Annotations),
			Finalizers:   slices.Clone(t.Finalizers),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(job,
				batchv1.SchemeGroupVersion.WithKind("Job"))},
		},
		Spec: *t.Spec.DeepCopy(),
	}
	if len(pod.GenerateName) > 58 {
		pod.GenerateName = pod.GenerateName[:58]
	}
	if ix != unknownIndex {
		if pod.Annotations == nil {
			pod.Annotations = map[string]string{}
		}
		if pod.Labels == nil {
			pod.Labels = map[string]string{}
		}
		pod.Annotations[batchv1.JobCompletionIndexAnnotation] = strconv.Itoa(ix)
		pod.Labels[batchv1.JobCompletionIndexAnnotation] = strconv.Itoa(ix)
		if pod.Spec.Hostname == "" {
			pod.Spec.Hostname = fmt.Sprintf("%s-%d", job.Name, ix)
		}
		suffix := "-" + strconv.Itoa(ix) + "-"
		prefix := job.Name + suffix
		if len(prefix) > 58 {
			prefix = prefix[:58-len(suffix)] + suffix
		}
		pod.GenerateName = prefix
	}
	return pod
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func addIndexEnv(t *corev1.PodTemplateSpec) {
	add := func(c *corev1.Container) {
		for _, e := range c.Env {
			if e.Name == "JOB_COMPLETION_INDEX" {
				return
			}
		}
		c.Env = append(c.Env, corev1.EnvVar{Name: "JOB_COMPLETION_INDEX", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{FieldPath: fmt.Sprintf("metadata.labels['%s']", batchv1.JobCompletionIndexAnnotation)}}})
	}
	for i := range t.Spec.InitContainers {
		add(&t.Spec.InitContainers[i])
	}
	for i := range t.Spec.Containers {
		add(&t.Spec.Containers[i])
	}
}

// podsForRemoval picks at least n active pods to delete: duplicated or
// out-of-range indexes first, then not-ready before ready, unscheduled
// before scheduled, pending before running, newest first.
func podsForRemoval(job *batchv1.Job, active []*corev1.Pod, n int) []*corev1.Pod {
	var rm, left []*corev1.Pod
	if indexed(job) {
		seen := map[int]bool{}
		for _, p := range active {
			ix := completionIndex(p)
			if ix == unknownIndex || ix >= int(*job.Spec.Completions) || seen[ix] {
				rm = append(rm, p)
				continue
			}
			seen[ix] = true
			left = append(left, p)
		}
	} else {
		left = slices.Clone(active)
	}
	if len(rm) < n {
		sort.SliceStable(left, func(i, j int) bool { return lessForRemoval(left[i], left[j]) })
		rm = append(rm, left[:min(n-len(rm), len(left))]...)
	}
	return rm
}

func lessForRemoval(a, b *corev1.Pod) bool {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	rank := map[corev1.PodPhase]int{corev1.PodPending: 0, corev1.PodUnknown: 1, corev1.PodRunning: 2}
	if rank[a.Status.Phase] != rank[b.Status.Phase] {
		return rank[a.Status.Phase] < rank[b.Status.Phase]
	}
	if podReady(a) != podReady(b) {
		return !podReady(a)
	}
	return b.CreationTimestamp.Before(&a.CreationTimestamp)
}

// deletePods deletes pods (keeping their finalizers); it returns how many
// ready pods and how many pods it deleted.
func (r *Reconciler) deletePods(ctx context.Context, job *batchv1.Job, pods []*corev1.Pod) (int32, int32, error) {
	var (
		mu             sync.Mutex
		wg             sync.WaitGroup
		ready, deleted int32
		firstErr       error
	)
	for _, p := range pods {
		wg.Add(1)
		go func(p *corev1.Pod) {
			defer wg.Done()
			err := r.Client.Delete(ctx, p)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && !apierrors.IsNotFound(err) {
				if firstErr == nil {
					firstErr = err
				}
				r.event(job, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
				return
			}
			deleted++
			if podReady(p) {
				ready++
			}
			if err == nil {
				r.event(job, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %v", p.Name)
			}
		}(p)
	}
	wg.Wait()
	return ready, deleted, firstErr
}

// track records finished pods in uncountedTerminatedPods, removes their
// finalizers, moves them to the counters and finally adds the Complete or
// Failed condition, as upstream's trackJobStatusAndRemoveFinalizers.
func (r *Reconciler) track(ctx context.Context, s *syncCtx, orig *batchv1.JobStatus, now time.Time) error {
	job := s.job
	isIndexed := indexed(job)
	withFin := sets.New[types.UID]()
	for _, p := range s.pods {
		if hasFinalizer(p) {
			withFin.Insert(p.UID)
		}
	}
	countUncounted(&job.Status, withFin)
	if isIndexed {
		sort.SliceStable(s.pods, func(i, j int) bool { return completionIndex(s.pods[i]) < completionIndex(s.pods[j]) })
	}
	var toRemove []*corev1.Pod
	uncounted := job.Status.UncountedTerminatedPods
	for _, p := range s.pods {
		if !hasFinalizer(p) {
			continue
		}
		failed := isPodFailed(p, job)
		if !(job.DeletionTimestamp != nil || s.finished != nil || p.Status.Phase == corev1.PodSucceeded || failed) {
			continue
		}
		toRemove = append(toRemove, p)
		if p.Status.Phase == corev1.PodSucceeded && !slices.Contains(uncounted.Failed, p.UID) {
			if isIndexed {
				// Counted through completedIndexes.
				continue
			}
			if !slices.Contains(uncounted.Succeeded, p.UID) {
				uncounted.Succeeded = append(uncounted.Succeeded, p.UID)
			}
		} else if failed || (s.finished != nil && s.finished.Type != batchv1.JobSuccessCriteriaMet) {
			ix := completionIndex(p)
			if slices.Contains(uncounted.Failed, p.UID) || (isIndexed && (ix == unknownIndex || ix >= int(*job.Spec.Completions))) {
				continue
			}
			if _, count, _ := matchPodFailurePolicy(job.Spec.PodFailurePolicy, p); count {
				uncounted.Failed = append(uncounted.Failed, p.UID)
			}
		}
	}
	if isIndexed {
		job.Status.Succeeded = int32(len(s.succeededIx))
		job.Status.CompletedIndexes = s.succeededIx.String()
	}
	if s.finished != nil && s.finished.Type == batchv1.JobFailureTarget {
		job.Status.Conditions = append(job.Status.Conditions, *s.finished)
		s.finished = newCondition(batchv1.JobFailed, corev1.ConditionTrue, s.finished.Reason, s.finished.Message, now)
	}
	if s.finished != nil && s.finished.Type == batchv1.JobSuccessCriteriaMet {
		if successCriteriaMet(job) == nil {
			job.Status.Conditions = append(job.Status.Conditions, *s.finished)
		}
		s.finished = newCondition(batchv1.JobComplete, corev1.ConditionTrue, s.finished.Reason, s.finished.Message, now)
	}
	last := orig
	flush := func() error {
		if equality.Semantic.DeepEqual(&job.Status, last) {
			return nil
		}
		if err := r.Client.Status().Update(ctx, job); err != nil {
			return err
		}
		last = job.Status.DeepCopy()
		return nil
	}
	if err := flush(); err != nil {
		return err
	}
	removed, rmErr := r.removeFinalizers(ctx, toRemove)
	for _, uid := range removed {
		withFin.Delete(uid)
	}
	countUncounted(&job.Status, withFin)
	if rmErr != nil {
		if err := flush(); err != nil {
			return err
		}
		return rmErr
	}
	if s.finished != nil && len(uncounted.Succeeded)+len(uncounted.Failed) == 0 && s.terminating == 0 {
		c := s.finished
		job.Status.Conditions, _ = ensureCondition(job.Status.Conditions, c.Type, c.Status, c.Reason, c.Message, now)
		if c.Type == batchv1.JobComplete {
			t := metav1.NewTime(now)
			job.Status.CompletionTime = &t
		}
		if err := flush(); err != nil {
			return err
		}
		if c.Type == batchv1.JobComplete {
			if job.Spec.Completions != nil && job.Status.Succeeded > *job.Spec.Completions {
				r.event(job, corev1.EventTypeWarning, "TooManySucceededPods", "Too many succeeded pods running after completion count reached")
			}
			r.event(job, corev1.EventTypeNormal, "Completed", "Job completed")
		} else {
			r.event(job, corev1.EventTypeWarning, c.Reason, "%s", c.Message)
		}
		return nil
	}
	if s.finished != nil && s.terminating > 0 {
		s.requeueAfter(time.Second)
	}
	return flush()
}

// countUncounted moves the uncounted pods that lost their finalizer to
// the succeeded and failed counters.
func countUncounted(st *batchv1.JobStatus, withFin sets.Set[types.UID]) {
	u := st.UncountedTerminatedPods
	keep := func(in []types.UID) []types.UID {
		var out []types.UID
		for _, uid := range in {
			if withFin.Has(uid) {
				out = append(out, uid)
			}
		}
		return out
	}
	s, f := keep(u.Succeeded), keep(u.Failed)
	st.Succeeded += int32(len(u.Succeeded) - len(s))
	st.Failed += int32(len(u.Failed) - len(f))
	u.Succeeded, u.Failed = s, f
}

var removeFinalizerPatch, _ = json.Marshal(map[string]interface{}{
	"metadata": map[string]interface{}{"$deleteFromPrimitiveList/finalizers": []string{batchv1.JobTrackingFinalizer}},
})

// removeFinalizers removes the tracking finalizer and returns the UIDs of
// the pods that no longer have it.
func (r *Reconciler) removeFinalizers(ctx context.Context, pods []*corev1.Pod) ([]types.UID, error) {
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		done     []types.UID
		firstErr error
	)
	for _, p := range pods {
		wg.Add(1)
		go func(p *corev1.Pod) {
			defer wg.Done()
			err := r.Client.Patch(ctx, p.DeepCopy(), client.RawPatch(types.StrategicMergePatchType, removeFinalizerPatch))
			mu.Lock()
			defer mu.Unlock()
			if err != nil && !apierrors.IsNotFound(err) {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			done = append(done, p.UID)
		}(p)
	}
	wg.Wait()
	return done, firstErr
}

// releaseOrphans removes the tracking finalizer from pods whose Job is gone.
func (r *Reconciler) releaseOrphans(ctx context.Context, req ctrl.Request) error {
	list := &corev1.PodList{}
	if err := r.Client.List(ctx, list, client.InNamespace(req.Namespace)); err != nil {
		return err
	}
	var orphans []*corev1.Pod
	for i := range list.Items {
		p := &list.Items[i]
		if ref := metav1.GetControllerOf(p); ref != nil && ref.Kind == "Job" && ref.Name == req.Name && hasFinalizer(p) {
			orphans = append(orphans, p)
		}
	}
	_, err := r.removeFinalizers(ctx, orphans)
	return err
}

func (r *Reconciler) podsOf(ctx context.Context, job *batchv1.Job) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector)
	if err != nil {
		return nil, err
	}
	list := &corev1.PodList{}
	if err := r.Reader.List(ctx, list, client.InNamespace(job.Namespace), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, err
	}
	var out []*corev1.Pod
	for i := range list.Items {
		if ref := metav1.GetControllerOf(&list.Items[i]); ref != nil && ref.UID == job.UID {
			out = append(out, &list.Items[i])
		}
	}
	return out, nil
}

func withFinalizer(pods []*corev1.Pod) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range pods {
		if hasFinalizer(p) {
			out = append(out, p)
		}
	}
	return out
}

func hasFinalizer(p *corev1.Pod) bool {
	return slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer)
}

func isTerminating(p *corev1.Pod) bool {
	return p.DeletionTimestamp != nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func suspended(j *batchv1.Job) bool { return j.Spec.Suspend != nil && *j.Spec.Suspend }

func indexed(j *batchv1.Job) bool {
	return j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == batchv1.IndexedCompletion
}

func onlyReplaceFailed(j *batchv1.Job) bool {
	return (j.Spec.PodReplacementPolicy != nil && *j.Spec.PodReplacementPolicy == batchv1.Failed) || j.Spec.PodFailurePolicy != nil
}

func isPodFailed(p *corev1.Pod, j *batchv1.Job) bool {
	if p.Status.Phase == corev1.PodFailed {
		return true
	}
	if onlyReplaceFailed(j) {
		return false
	}
	return p.DeletionTimestamp != nil && p.Status.Phase != corev1.PodSucceeded
}

func nonIgnoredFailed(j *batchv1.Job, pods []*corev1.Pod) int {
	n := 0
	for _, p := range pods {
		if _, count, _ := matchPodFailurePolicy(j.Spec.PodFailurePolicy, p); count {
			n++
		}
	}
	return n
}

func failJobMessage(j *batchv1.Job, pods []*corev1.Pod) *string {
	if j.Spec.PodFailurePolicy == nil {
		return nil
	}
	for _, p := range pods {
		if isPodFailed(p, j) {
			if msg, _, _ := matchPodFailurePolicy(j.Spec.PodFailurePolicy, p); msg != nil {
				return msg
			}
		}
	}
	return nil
}

func pastBackoffLimitOnFailure(j *batchv1.Job, pods []*corev1.Pod) bool {
	if j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyOnFailure {
		return false
	}
	var restarts int32
	for _, p := range pods {
		if p.Status.Phase == corev1.PodRunning || p.Status.Phase == corev1.PodPending {
			for _, cs := range p.Status.InitContainerStatuses {
				restarts += cs.RestartCount
			}
			for _, cs := range p.Status.ContainerStatuses {
				restarts += cs.RestartCount
			}
		}
	}
	if *j.Spec.BackoffLimit == 0 {
		return restarts > 0
	}
	return restarts >= *j.Spec.BackoffLimit
}

func pastActiveDeadline(j *batchv1.Job, now time.Time) bool {
	if j.Spec.ActiveDeadlineSeconds == nil || j.Status.StartTime == nil || suspended(j) {
		return false
	}
	return now.Sub(j.Status.StartTime.Time) >= time.Duration(*j.Spec.ActiveDeadlineSeconds)*time.Second
}

// isFinished reports whether the Job has a true Complete or Failed
// condition.
func isFinished(j *batchv1.Job) bool {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func successCriteriaMet(j *batchv1.Job) *batchv1.JobCondition {
	if c := findCondition(j.Status.Conditions, batchv1.JobSuccessCriteriaMet); c != nil && c.Status == corev1.ConditionTrue {
		return c
	}
	return nil
}

func findCondition(list []batchv1.JobCondition, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range list {
		if list[i].Type == t {
			return &list[i]
		}
	}
	return nil
}

func newCondition(t batchv1.JobConditionType, s corev1.ConditionStatus, reason, msg string, now time.Time) *batchv1.JobCondition {
	return &batchv1.JobCondition{Type: t, Status: s, Reason: reason, Message: msg,
		LastProbeTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)}
}

// ensureCondition sets a condition, not adding a False one that is absent.
func ensureCondition(list []batchv1.JobCondition, t batchv1.JobConditionType, s corev1.ConditionStatus, reason, msg string, now time.Time) ([]batchv1.JobCondition, bool) {
	if c := findCondition(list, t); c != nil {
		if c.Status != s || c.Reason != reason || c.Message != msg {
			*c = *newCondition(t, s, reason, msg, now)
			return list, true
		}
		return list, false
	}
	if s != corev1.ConditionFalse {
		return append(list, *newCondition(t, s, reason, msg, now)), true
	}
	return list, false
}
