package controllers2

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestCronJobFires runs a CronJob every minute with the controller's clock
// moved so that a minute boundary comes within a second or two.
func TestCronJobFires(t *testing.T) {
	ns := newNamespace(t)
	// The controller's "now" sits just before the next minute.
	real := time.Now()
	next := real.Truncate(time.Minute).Add(time.Minute)
	if next.Sub(real) < 3*time.Second {
		next = next.Add(time.Minute)
	}
	clockOffset.Store(int64(next.Sub(real) - 1500*time.Millisecond))
	t.Cleanup(func() { clockOffset.Store(0) })

	tmpl := newJob("", "0").Spec
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "tick"}, Spec: batchv1.CronJobSpec{
		Schedule:                   "* * * * *",
		TimeZone:                   ptr("Asia/Tokyo"),
		SuccessfulJobsHistoryLimit: ptr(int32(1)),
		JobTemplate:                batchv1.JobTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"from": "cron"}}, Spec: tmpl},
	}}
	cj.Spec.JobTemplate.Spec.Template.Labels = map[string]string{"from": "cron"}
	if _, err := srv.Client.BatchV1().CronJobs(ns).Create(ctx, cj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	firstName := "tick-" + strconv.FormatInt(next.Unix()/60, 10)
	var first *batchv1.Job
	eventually(t, 30*time.Second, func() error {
		var err error
		first, err = srv.Client.BatchV1().Jobs(ns).Get(ctx, firstName, metav1.GetOptions{})
		return err
	})
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	if got, want := first.Annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"], next.In(tokyo).Format(time.RFC3339); got != want {
		t.Errorf("scheduled timestamp %q, want %q", got, want)
	}
	if first.Labels["from"] != "cron" {
		t.Errorf("job labels %v", first.Labels)
	}
	if ref := metav1.GetControllerOf(first); ref == nil || ref.Kind != "CronJob" || ref.Name != "tick" {
		t.Errorf("job controller %+v", ref)
	}
	// The job completes: it leaves status.active and sets lastSuccessfulTime.
	eventually(t, 30*time.Second, func() error {
		got, err := srv.Client.BatchV1().CronJobs(ns).Get(ctx, "tick", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if got.Status.LastScheduleTime == nil || !got.Status.LastScheduleTime.Time.Equal(next) {
			return fmt.Errorf("lastScheduleTime %v, want %v", got.Status.LastScheduleTime, next)
		}
		if len(got.Status.Active) != 0 || got.Status.LastSuccessfulTime == nil {
			return fmt.Errorf("status %+v", got.Status)
		}
		return nil
	})

	// A minute later the next job runs, and the history limit of 1
	// removes the first.
	clockOffset.Add(int64(time.Minute))
	secondName := "tick-" + strconv.FormatInt(next.Unix()/60+1, 10)
	eventually(t, 30*time.Second, func() error {
		j, err := srv.Client.BatchV1().Jobs(ns).Get(ctx, secondName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if c := condition(j, batchv1.JobComplete); c == nil {
			return fmt.Errorf("second job not complete yet")
		}
		old, err := srv.Client.BatchV1().Jobs(ns).Get(ctx, firstName, metav1.GetOptions{})
		if err == nil && old.DeletionTimestamp == nil {
			return fmt.Errorf("first job still kept")
		}
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		return nil
	})
}

func TestCronJobForbidConcurrent(t *testing.T) {
	ns := newNamespace(t)
	real := time.Now()
	next := real.Truncate(time.Minute).Add(time.Minute)
	clockOffset.Store(int64(next.Sub(real) - 1000*time.Millisecond))
	t.Cleanup(func() { clockOffset.Store(0) })
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "once"}, Spec: batchv1.CronJobSpec{
		Schedule: "* * * * *", ConcurrencyPolicy: batchv1.ForbidConcurrent,
		JobTemplate: batchv1.JobTemplateSpec{Spec: newJob("", "").Spec}, // runs forever
	}}
	if _, err := srv.Client.BatchV1().CronJobs(ns).Create(ctx, cj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		got, err := srv.Client.BatchV1().CronJobs(ns).Get(ctx, "once", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if len(got.Status.Active) != 1 {
			return fmt.Errorf("active %v", got.Status.Active)
		}
		return nil
	})
	clockOffset.Add(int64(time.Minute))
	time.Sleep(time.Second)
	list, err := srv.Client.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Errorf("%d jobs with Forbid while one runs, want 1", len(list.Items))
	}
	eventually(t, 30*time.Second, func() error {
		ev, err := srv.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "reason=JobAlreadyActive"})
		if err != nil {
			return err
		}
		if len(ev.Items) == 0 || ev.Items[0].Message != "Not starting job because prior execution is running and concurrency policy is Forbid" {
			return fmt.Errorf("JobAlreadyActive events %+v", ev.Items)
		}
		return nil
	})
}

func TestTTLAfterFinished(t *testing.T) {
	ns := newNamespace(t)
	j := newJob("short-lived", "0")
	j.Spec.TTLSecondsAfterFinished = ptr(int32(1))
	if _, err := srv.Client.BatchV1().Jobs(ns).Create(ctx, j, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The Job completes, then is deleted one second later; under load the
	// deletion may come before this test sees Complete, so wait for either
	// (the TTL controller deletes only finished Jobs).
	eventually(t, 60*time.Second, func() error {
		j, err := srv.Client.BatchV1().Jobs(ns).Get(ctx, "short-lived", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, c := range j.Status.Conditions {
			if c.Type == batchv1.JobComplete && c.Status == "True" {
				return nil
			}
		}
		return fmt.Errorf("job not complete yet: %+v", j.Status.Conditions)
	})
	eventually(t, 30*time.Second, func() error {
		_, err := srv.Client.BatchV1().Jobs(ns).Get(ctx, "short-lived", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("job still there: %v", err)
	})
	// Foreground deletion took the pods first.
	if pods := jobPods(t, ns, "short-lived"); len(pods) != 0 {
		var names []string
		for _, p := range pods {
			names = append(names, p.Name)
		}
		t.Errorf("pods left: %v", names)
	}
}
