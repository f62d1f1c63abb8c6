// Package cronjob creates Jobs on a CronJob's schedule, as
// kube-controller-manager's cronjob controller (v2) does: time zones,
// startingDeadlineSeconds, concurrencyPolicy, suspend, history limits,
// status.active, lastScheduleTime and lastSuccessfulTime.
package cronjob

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var (
	// Now is the controller's clock; tests may replace it (before the
	// server starts, or guarded by their own synchronisation).
	Now = time.Now
	// MaxRequeue bounds how long the controller sleeps before looking at a
	// CronJob again, so that a test moving Now forward is noticed.
	MaxRequeue = time.Duration(0)

	nowMu sync.RWMutex
)

// SetNow replaces the clock safely while the controller runs.
func SetNow(f func() time.Time) {
	nowMu.Lock()
	defer nowMu.Unlock()
	Now = f
}

func now() time.Time {
	nowMu.RLock()
	defer nowMu.RUnlock()
	return Now()
}

// nextScheduleDelta is added to the wait for the next schedule, as upstream.
const nextScheduleDelta = 100 * time.Millisecond

// Reconciler runs CronJobs.
type Reconciler struct {
	Client client.Client
	// Reader reads without cache; the manager's API reader by default.
	Reader client.Reader
	rec    record.EventRecorder
}

// SetupWithManager watches CronJobs and the Jobs they own.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.rec = mgr.GetEventRecorderFor("cronjob-controller") //nolint:staticcheck // core/v1 events, as upstream
	if r.Reader == nil {
		r.Reader = mgr.GetAPIReader()
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("cronjob").
		For(&batchv1.CronJob{}).
		Owns(&batchv1.Job{}).
		Complete(r)
}

func (r *Reconciler) eventf(cj *batchv1.CronJob, typ, reason, format string, args ...interface{}) {
	if r.rec != nil {
		r.rec.Eventf(cj, typ, reason, format, args...)
	}
}

// Reconcile syncs one CronJob.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	cj := &batchv1.CronJob{}
	if err := r.Reader.Get(ctx, req.NamespacedName, cj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	jobList := &batchv1.JobList{}
	if err := r.Reader.List(ctx, jobList, client.InNamespace(cj.Namespace)); err != nil {
		return ctrl.Result{}, err
	}
	var jobs []*batchv1.Job
	for i := range jobList.Items {
		if ref := metav1.GetControllerOf(&jobList.Items[i]); ref != nil && ref.UID == cj.UID {
			jobs = append(jobs, &jobList.Items[i])
		}
	}
	orig := cj.Status.DeepCopy()
	requeue, err := r.sync(ctx, cj, jobs)
	if err != nil {
		if apierrors.IsConflict(err) {
			return ctrl.Result{Requeue: true}, nil
		}
		return ctrl.Result{}, err
	}
	r.cleanupFinished(ctx, cj, jobs)
	if !equality.Semantic.DeepEqual(orig, &cj.Status) {
		if err := r.Client.Status().Update(ctx, cj); err != nil {
			if apierrors.IsConflict(err) {
				return ctrl.Result{Requeue: true}, nil
			}
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	var res ctrl.Result
	if requeue != nil {
		res.RequeueAfter = max(*requeue, time.Millisecond)
	}
	if MaxRequeue > 0 && (res.RequeueAfter == 0 || res.RequeueAfter > MaxRequeue) {
		res.RequeueAfter = MaxRequeue
	}
	return res, nil
}

func (r *Reconciler) sync(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) (*time.Duration, error) {
	now := now()
	children := map[types.UID]bool{}
	for _, j := range jobs {
		children[j.UID] = true
		found := inActive(cj, j.UID)
		finished, cond := finishedCondition(j)
		if !found && !finished {
			r.eventf(cj, corev1.EventTypeWarning, "UnexpectedJob", "Saw a job that the controller did not create or forgot: %s", j.Name)
		} else if finished {
			if found {
				deleteFromActive(cj, j.UID)
				r.eventf(cj, corev1.EventTypeNormal, "SawCompletedJob", "Saw completed job: %s, condition: %v", j.Name, cond)
			}
			if cond == batchv1.JobComplete && j.Status.CompletionTime != nil {
				if cj.Status.LastSuccessfulTime == nil || j.Status.CompletionTime.After(cj.Status.LastSuccessfulTime.Time) {
					cj.Status.LastSuccessfulTime = j.Status.CompletionTime
				}
			}
		}
	}
	for _, ref := range append([]corev1.ObjectReference(nil), cj.Status.Active...) {
		if children[ref.UID] {
			continue
		}
		err := r.Reader.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, &batchv1.Job{})
		switch {
		case apierrors.IsNotFound(err):
			r.eventf(cj, corev1.EventTypeNormal, "MissingJob", "Active job went missing: %v", ref.Name)
			deleteFromActive(cj, ref.UID)
		case err != nil:
			return nil, err
		}
	}
	if cj.DeletionTimestamp != nil {
		return nil, nil
	}
	if cj.Spec.TimeZone != nil {
		if _, err := time.LoadLocation(*cj.Spec.TimeZone); err != nil {
			r.eventf(cj, corev1.EventTypeWarning, "UnknownTimeZone", "invalid timeZone: %q: %s", *cj.Spec.TimeZone, err)
			return nil, nil
		}
	}
	if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
		return nil, nil
	}
	sched, err := ParseSchedule(r.formatSchedule(cj))
	if err != nil {
		r.eventf(cj, corev1.EventTypeWarning, "UnparseableSchedule", "unparseable schedule: %q : %s", cj.Spec.Schedule, err)
		return nil, nil
	}
	scheduled, err := r.nextScheduleTime(cj, now, sched)
	if err != nil {
		r.eventf(cj, corev1.EventTypeWarning, "InvalidSchedule", "invalid schedule: %s : %s", cj.Spec.Schedule, err)
		return nil, nil
	}
	if scheduled == nil {
		return nextScheduleTimeDuration(cj, now, sched), nil
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil && scheduled.Add(time.Duration(*d)*time.Second).Before(now) {
		r.eventf(cj, corev1.EventTypeWarning, "MissSchedule", "Missed scheduled time to start a job: %s", scheduled.UTC().Format(time.RFC1123Z))
		return nextScheduleTimeDuration(cj, now, sched), nil
	}
	name := jobName(cj, *scheduled)
	if inActiveByName(cj, name) || (cj.Status.LastScheduleTime != nil && cj.Status.LastScheduleTime.Time.Equal(*scheduled)) {
		return nextScheduleTimeDuration(cj, now, sched), nil
	}
	if cj.Spec.ConcurrencyPolicy == batchv1.ForbidConcurrent && len(cj.Status.Active) > 0 {
		r.eventf(cj, corev1.EventTypeNormal, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid")
		return nextScheduleTimeDuration(cj, now, sched), nil
	}
	if cj.Spec.ConcurrencyPolicy == batchv1.ReplaceConcurrent {
		for _, ref := range append([]corev1.ObjectReference(nil), cj.Status.Active...) {
			j := &batchv1.Job{}
			if err := r.Reader.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, j); err != nil {
				r.eventf(cj, corev1.EventTypeWarning, "FailedGet", "Get job: %v", err)
				return nil, err
			}
			if !r.deleteJob(ctx, cj, j) {
				return nil, fmt.Errorf("could not replace job %s/%s", j.Namespace, j.Name)
			}
		}
	}
	job, err := jobFromTemplate(cj, *scheduled)
	if err != nil {
		return nil, err
	}
	err = r.Client.Create(ctx, job)
	switch {
	case apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause):
		return nil, err
	case apierrors.IsAlreadyExists(err):
		existing := &batchv1.Job{}
		if err := r.Reader.Get(ctx, client.ObjectKeyFromObject(job), existing); err != nil {
			return nil, err
		}
		if !metav1.IsControlledBy(existing, cj) || inActive(cj, existing.UID) {
			return nil, nil
		}
		job = existing
	case err != nil:
		r.eventf(cj, corev1.EventTypeWarning, "FailedCreate", "Error creating job: %v", err)
		return nil, err
	default:
		r.eventf(cj, corev1.EventTypeNormal, "SuccessfulCreate", "Created job %v", job.Name)
	}
	cj.Status.Active = append(cj.Status.Active, corev1.ObjectReference{
		Kind: "Job", APIVersion: "batch/v1", Namespace: job.Namespace, Name: job.Name, UID: job.UID, ResourceVersion: job.ResourceVersion,
	})
	cj.Status.LastScheduleTime = &metav1.Time{Time: *scheduled}
	return nextScheduleTimeDuration(cj, now, sched), nil
}

func (r *Reconciler) formatSchedule(cj *batchv1.CronJob) string {
	if strings.Contains(cj.Spec.Schedule, "TZ") {
		r.eventf(cj, corev1.EventTypeWarning, "UnsupportedSchedule", "CRON_TZ or TZ used in schedule %q is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details", cj.Spec.Schedule)
		return cj.Spec.Schedule
	}
	if cj.Spec.TimeZone != nil {
		if _, err := time.LoadLocation(*cj.Spec.TimeZone); err != nil {
			return cj.Spec.Schedule
		}
		return fmt.Sprintf("TZ=%s %s", *cj.Spec.TimeZone, cj.Spec.Schedule)
	}
	return cj.Spec.Schedule
}

type missed int

const (
	noneMissed missed = iota
	fewMissed
	manyMissed
)

// mostRecentScheduleTime is upstream's: the latest unmet schedule time
// not after now, counting from lastScheduleTime (or creation), and
// startingDeadlineSeconds when asked.
func mostRecentScheduleTime(cj *batchv1.CronJob, now time.Time, s Schedule, withDeadline bool) (time.Time, *time.Time, missed, error) {
	earliest := cj.CreationTimestamp.Time
	if cj.Status.LastScheduleTime != nil {
		earliest = cj.Status.LastScheduleTime.Time
	}
	if withDeadline && cj.Spec.StartingDeadlineSeconds != nil {
		if d := now.Add(-time.Duration(*cj.Spec.StartingDeadlineSeconds) * time.Second); d.After(earliest) {
			earliest = d
		}
	}
	t1 := s.Next(earliest)
	t2 := s.Next(t1)
	if now.Before(t1) {
		return earliest, nil, noneMissed, nil
	}
	if now.Before(t2) {
		return earliest, &t1, noneMissed, nil
	}
	between := int64(t2.Sub(t1).Round(time.Second).Seconds())
	if between < 1 {
		return earliest, nil, noneMissed, fmt.Errorf("time difference between two schedules is less than 1 second")
	}
	n := int64(now.Sub(t1).Seconds())/between + 1
	var recent time.Time
	from := t1.Add(time.Duration((n-2)*between) * time.Second)
	for t := s.Next(from); !t.After(now) && !t.IsZero(); t = s.Next(t) {
		recent = t
	}
	m := fewMissed
	if n > 100 {
		m = manyMissed
	}
	if recent.IsZero() {
		return earliest, nil, m, nil
	}
	return earliest, &recent, m, nil
}

func (r *Reconciler) nextScheduleTime(cj *batchv1.CronJob, now time.Time, s Schedule) (*time.Time, error) {
	_, recent, m, err := mostRecentScheduleTime(cj, now, s, true)
	if recent == nil || recent.After(now) {
		return nil, err
	}
	if m == manyMissed {
		r.eventf(cj, corev1.EventTypeWarning, "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew")
	}
	return recent, err
}

func nextScheduleTimeDuration(cj *batchv1.CronJob, now time.Time, s Schedule) *time.Duration {
	earliest, recent, m, err := mostRecentScheduleTime(cj, now, s, false)
	if err != nil {
		recent = &now
	} else if recent == nil {
		if m == noneMissed {
			recent = &earliest
		} else {
			recent = &now
		}
	}
	d := s.Next(*recent).Add(nextScheduleDelta).Sub(now)
	return &d
}

func jobName(cj *batchv1.CronJob, t time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, t.Unix()/60)
}

func jobFromTemplate(cj *batchv1.CronJob, scheduled time.Time) (*batchv1.Job, error) {
	loc, err := time.LoadLocation(deref(cj.Spec.TimeZone))
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	for k, v := range cj.Spec.JobTemplate.Labels {
		labels[k] = v
	}
	annotations := map[string]string{}
	for k, v := range cj.Spec.JobTemplate.Annotations {
		annotations[k] = v
	}
	annotations[batchv1.CronJobScheduledTimestampAnnotation] = scheduled.In(loc).Format(time.RFC3339)
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{
		Namespace: cj.Namespace, Name: jobName(cj, scheduled), Labels: labels, Annotations: annotations,
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))},
	}}
	cj.Spec.JobTemplate.Spec.DeepCopyInto(&job.Spec)
	return job, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (r *Reconciler) deleteJob(ctx context.Context, cj *batchv1.CronJob, j *batchv1.Job) bool {
	if err := r.Client.Delete(ctx, j, client.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil && !apierrors.IsNotFound(err) {
		r.eventf(cj, corev1.EventTypeWarning, "FailedDelete", "Deleted job: %v", err)
		return false
	}
	deleteFromActive(cj, j.UID)
	r.eventf(cj, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted job %v", j.Name)
	return true
}

// cleanupFinished deletes the oldest finished Jobs beyond the history
// limits.
func (r *Reconciler) cleanupFinished(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) {
	if cj.Spec.SuccessfulJobsHistoryLimit == nil && cj.Spec.FailedJobsHistoryLimit == nil {
		return
	}
	var succeeded, failed []*batchv1.Job
	for _, j := range jobs {
		if j.DeletionTimestamp != nil {
			continue
		}
		switch _, c := finishedCondition(j); c {
		case batchv1.JobComplete:
			succeeded = append(succeeded, j)
		case batchv1.JobFailed:
			failed = append(failed, j)
		}
	}
	prune := func(js []*batchv1.Job, limit *int32) {
		if limit == nil || len(js) <= int(*limit) {
			return
		}
		sort.SliceStable(js, func(a, b int) bool { return byStartTime(js[a], js[b]) })
		for _, j := range js[:len(js)-int(*limit)] {
			r.deleteJob(ctx, cj, j)
		}
	}
	prune(succeeded, cj.Spec.SuccessfulJobsHistoryLimit)
	prune(failed, cj.Spec.FailedJobsHistoryLimit)
}

func byStartTime(a, b *batchv1.Job) bool {
	if a.Status.StartTime == nil || b.Status.StartTime == nil {
		if (a.Status.StartTime == nil) != (b.Status.StartTime == nil) {
			return a.Status.StartTime != nil
		}
		return a.Name < b.Name
	}
	if a.Status.StartTime.Equal(b.Status.StartTime) {
		return a.Name < b.Name
	}
	return a.Status.StartTime.Before(b.Status.StartTime)
}

func finishedCondition(j *batchv1.Job) (bool, batchv1.JobConditionType) {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return true, c.Type
		}
	}
	return false, ""
}

func inActive(cj *batchv1.CronJob, uid types.UID) bool {
	for _, r := range cj.Status.Active {
		if r.UID == uid {
			return true
		}
	}
	return false
}

func inActiveByName(cj *batchv1.CronJob, name string) bool {
	for _, r := range cj.Status.Active {
		if r.Name == name && r.Namespace == cj.Namespace {
			return true
		}
	}
	return false
}

func deleteFromActive(cj *batchv1.CronJob, uid types.UID) {
	active := []corev1.ObjectReference{}
	for _, r := range cj.Status.Active {
		if r.UID != uid {
			active = append(active, r)
		}
	}
	cj.Status.Active = active
}
