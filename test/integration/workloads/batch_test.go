package workloads

import (
	"fmt"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func newJob(name string) *batchv1.Job {
	t := podTemplate(name)
	t.Spec.RestartPolicy = corev1.RestartPolicyNever
	return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: batchv1.JobSpec{Template: t}}
}

func TestJobDefaults(t *testing.T) {
	ns := newNamespace(t)
	c := srv.Client.BatchV1().Jobs(ns)
	j, err := c.Create(ctx, newJob("pi"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := j.Spec
	if *s.Completions != 1 || *s.Parallelism != 1 || *s.BackoffLimit != 6 || *s.CompletionMode != batchv1.NonIndexedCompletion ||
		*s.Suspend || *s.PodReplacementPolicy != batchv1.TerminatingOrFailed || *s.ManualSelector {
		t.Errorf("job spec defaults %+v", s)
	}
	uid := string(j.UID)
	if got := s.Selector.MatchLabels["batch.kubernetes.io/controller-uid"]; got != uid || len(s.Selector.MatchLabels) != 1 {
		t.Errorf("selector %v, want controller-uid %s", s.Selector, uid)
	}
	for k, v := range map[string]string{"batch.kubernetes.io/controller-uid": uid, "controller-uid": uid,
		"batch.kubernetes.io/job-name": "pi", "job-name": "pi", "app": "pi"} {
		if s.Template.Labels[k] != v {
			t.Errorf("template label %s = %q, want %q", k, s.Template.Labels[k], v)
		}
	}
	if j.Labels["app"] != "pi" {
		t.Errorf("job labels %v, want the template's", j.Labels)
	}

	// status.successful is a field selector.
	list, err := c.List(ctx, metav1.ListOptions{FieldSelector: "status.successful=0"})
	if err != nil || len(list.Items) != 1 {
		t.Errorf("field selector status.successful=0: %v %v", list, err)
	}
	if list, err = c.List(ctx, metav1.ListOptions{FieldSelector: "status.successful=1"}); err != nil || len(list.Items) != 0 {
		t.Errorf("field selector status.successful=1: %d items, %v", len(list.Items), err)
	}

	row := assertColumns(t, "/apis/batch/v1/namespaces/"+ns+"/jobs", "Name,Status,Completions,Duration,Age,Containers,Images,Selector")
	if len(row) == 8 && (row[1] != "Running" || row[2] != "0/1" || row[7] != "batch.kubernetes.io/controller-uid="+uid) {
		t.Errorf("job row %v", row)
	}

	// The template of a job that is not suspended is immutable. (The job
	// controller writes the job's status meanwhile: retry a conflict.)
	for range 10 {
		if j, err = c.Get(ctx, "pi", metav1.GetOptions{}); err != nil {
			t.Fatal(err)
		}
		j.Spec.Template.Spec.Containers[0].Image = "busybox"
		if _, err = c.Update(ctx, j, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
			break
		}
	}
	assertInvalid(t, err, "spec.template")
}

func TestJobValidation(t *testing.T) {
	ns := newNamespace(t)
	c := srv.Client.BatchV1().Jobs(ns)

	always := newJob("always")
	always.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
	_, err := c.Create(ctx, always, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.template.spec.restartPolicy")

	manual := newJob("manual")
	manual.Spec.ManualSelector = ptr(true)
	manual.Spec.Selector = &metav1.LabelSelector{MatchLabels: labels("other")}
	_, err = c.Create(ctx, manual, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.template.metadata.labels")

	indexed := newJob("indexed")
	indexed.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
	indexed.Spec.Parallelism = ptr[int32](2)
	_, err = c.Create(ctx, indexed, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.completions")

	neg := newJob("neg")
	neg.Spec.BackoffLimit = ptr[int32](-1)
	_, err = c.Create(ctx, neg, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.backoffLimit")
}

func newCronJob(name, schedule string) *batchv1.CronJob {
	j := newJob(name)
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.CronJobSpec{Schedule: schedule, JobTemplate: batchv1.JobTemplateSpec{
			Spec: batchv1.JobSpec{Template: j.Spec.Template}}},
	}
}

func TestCronJob(t *testing.T) {
	ns := newNamespace(t)
	c := srv.Client.BatchV1().CronJobs(ns)
	cj, err := c.Create(ctx, newCronJob("tick", "*/5 * * * *"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := cj.Spec
	if s.ConcurrencyPolicy != batchv1.AllowConcurrent || *s.Suspend || *s.SuccessfulJobsHistoryLimit != 3 || *s.FailedJobsHistoryLimit != 1 {
		t.Errorf("cronjob defaults %+v", s)
	}
	if s.JobTemplate.Spec.BackoffLimit != nil || s.JobTemplate.Spec.Selector != nil {
		t.Errorf("job template got the Job's own defaults: %+v", s.JobTemplate.Spec)
	}
	for _, sched := range []string{"@daily", "0 0 1 jan mon-fri", "@every 1h30m"} {
		if _, err := c.Create(ctx, newCronJob(fmt.Sprintf("ok-%d", len(sched)), sched), metav1.CreateOptions{}); err != nil {
			t.Errorf("schedule %q refused: %v", sched, err)
		}
	}
	for i, sched := range []string{"* * *", "61 * * * *", "@sometimes", "TZ=UTC * * * * *"} {
		_, err := c.Create(ctx, newCronJob(fmt.Sprintf("bad-%d", i), sched), metav1.CreateOptions{})
		assertInvalid(t, err, "spec.schedule")
	}
	tz := newCronJob("tz", "0 * * * *")
	tz.Spec.TimeZone = ptr("Mars/Olympus")
	_, err = c.Create(ctx, tz, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.timeZone")

	sel := newCronJob("sel", "0 * * * *")
	sel.Spec.JobTemplate.Spec.Selector = &metav1.LabelSelector{MatchLabels: labels("sel")}
	_, err = c.Create(ctx, sel, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.jobTemplate.spec.selector")

	cols, _ := getTable(t, "/apis/batch/v1/namespaces/"+ns+"/cronjobs/tick")
	row := assertColumns(t, "/apis/batch/v1/namespaces/"+ns+"/cronjobs/tick",
		"Name,Schedule,Timezone,Suspend,Active,Last Schedule,Age,Containers,Images,Selector")
	if len(row) == len(cols) && (row[1] != "*/5 * * * *" || row[2] != "<none>" || row[3] != "False" || row[5] != "<none>") {
		t.Errorf("cronjob row %v", row)
	}
}
