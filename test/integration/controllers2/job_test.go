package controllers2

import (
	"fmt"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func newJob(name string, exitCode string) *batchv1.Job {
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: batchv1.JobSpec{
		Template: corev1.PodTemplateSpec{
			Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
				Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		}}}
	if exitCode != "" {
		j.Spec.Template.Annotations = map[string]string{exitAnnotation: exitCode}
	}
	return j
}

func condition(j *batchv1.Job, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range j.Status.Conditions {
		if j.Status.Conditions[i].Type == t {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

// waitJob waits for a true condition of type t and returns the Job.
func waitJob(t *testing.T, ns, name string, ct batchv1.JobConditionType) *batchv1.Job {
	t.Helper()
	var j *batchv1.Job
	eventually(t, 60*time.Second, func() error {
		var err error
		j, err = srv.Client.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if c := condition(j, ct); c == nil || c.Status != corev1.ConditionTrue {
			return fmt.Errorf("job %s has no %s condition: %+v", name, ct, j.Status)
		}
		return nil
	})
	return j
}

func jobPods(t *testing.T, ns, name string) []corev1.Pod {
	t.Helper()
	list, err := srv.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

func TestJobCompletionsAndParallelism(t *testing.T) {
	ns := newNamespace(t)
	j := newJob("five", "0")
	j.Spec.Completions, j.Spec.Parallelism = ptr(int32(5)), ptr(int32(2))
	if _, err := srv.Client.BatchV1().Jobs(ns).Create(ctx, j, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Never more than parallelism pods run at once.
	stop := make(chan struct{})
	maxActive := make(chan int, 1)
	go func() {
		most := 0
		for {
			select {
			case <-stop:
				maxActive <- most
				return
			case <-time.After(20 * time.Millisecond):
			}
			list, err := srv.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				continue
			}
			n := 0
			for _, p := range list.Items {
				if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed && p.DeletionTimestamp == nil {
					n++
				}
			}
			most = max(most, n)
		}
	}()
	got := waitJob(t, ns, "five", batchv1.JobComplete)
	close(stop)
	// Sampling can miss pods that finish fast, so only the bound is checked.
	if m := <-maxActive; m > 2 {
		t.Errorf("%d pods were active at once, want at most 2", m)
	}
	st := got.Status
	if st.Succeeded != 5 || st.Failed != 0 || st.Active != 0 || *st.Ready != 0 || *st.Terminating != 0 {
		t.Errorf("status counters %+v", st)
	}
	if st.StartTime == nil || st.CompletionTime == nil || st.CompletionTime.Before(st.StartTime) {
		t.Errorf("start %v completion %v", st.StartTime, st.CompletionTime)
	}
	if u := st.UncountedTerminatedPods; u == nil || len(u.Succeeded)+len(u.Failed) != 0 {
		t.Errorf("uncountedTerminatedPods %+v", u)
	}
	scm := condition(got, batchv1.JobSuccessCriteriaMet)
	c := condition(got, batchv1.JobComplete)
	if scm == nil || scm.Reason != "CompletionsReached" || scm.Message != "Reached expected number of succeeded pods" {
		t.Errorf("SuccessCriteriaMet %+v", scm)
	}
	if c.Reason != "CompletionsReached" || c.Message != "Reached expected number of succeeded pods" {
		t.Errorf("Complete %+v", c)
	}
	if len(got.Status.Conditions) != 2 || got.Status.Conditions[0].Type != batchv1.JobSuccessCriteriaMet {
		t.Errorf("conditions %+v", got.Status.Conditions)
	}
	pods := jobPods(t, ns, "five")
	if len(pods) != 5 {
		t.Errorf("%d pods, want 5", len(pods))
	}
	for _, p := range pods {
		if len(p.Finalizers) != 0 {
			t.Errorf("pod %s keeps finalizers %v", p.Name, p.Finalizers)
		}
		if !strings.HasPrefix(p.Name, "five-") || p.Status.Phase != corev1.PodSucceeded {
			t.Errorf("pod %s phase %s", p.Name, p.Status.Phase)
		}
		if ref := metav1.GetControllerOf(&p); ref == nil || ref.Kind != "Job" || ref.Name != "five" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
			t.Errorf("pod %s controller ref %+v", p.Name, ref)
		}
	}
	// kubectl get jobs shows it complete.
	list, err := srv.Client.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{FieldSelector: "status.successful=5"})
	if err != nil || len(list.Items) != 1 {
		t.Errorf("field selector status.successful=5: %v, %v", list, err)
	}
}

func TestJobBackoffLimitExceeded(t *testing.T) {
	ns := newNamespace(t)
	j := newJob("fails", "1")
	j.Spec.BackoffLimit = ptr(int32(1))
	if _, err := srv.Client.BatchV1().Jobs(ns).Create(ctx, j, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got := waitJob(t, ns, "fails", batchv1.JobFailed)
	if got.Status.Failed != 2 || got.Status.Succeeded != 0 || got.Status.Active != 0 {
		t.Errorf("status %+v", got.Status)
	}
	ft, f := condition(got, batchv1.JobFailureTarget), condition(got, batchv1.JobFailed)
	for _, c := range []*batchv1.JobCondition{ft, f} {
		if c == nil || c.Reason != "BackoffLimitExceeded" || c.Message != "Job has reached the specified backoff limit" {
			t.Errorf("condition %+v", c)
		}
	}
	if got.Status.CompletionTime != nil {
		t.Errorf("a failed job has no completionTime: %v", got.Status.CompletionTime)
	}
	if n := len(jobPods(t, ns, "fails")); n != 2 {
		t.Errorf("%d pods, want 2", n)
	}
}

func TestJobPodFailurePolicyFailJob(t *testing.T) {
	ns := newNamespace(t)
	j := newJob("pfp", "42")
	j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
		Action:      batchv1.PodFailurePolicyActionFailJob,
		OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}},
	}}}
	if _, err := srv.Client.BatchV1().Jobs(ns).Create(ctx, j, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got := waitJob(t, ns, "pfp", batchv1.JobFailed)
	pods := jobPods(t, ns, "pfp")
	if len(pods) != 1 {
		t.Fatalf("%d pods, want 1", len(pods))
	}
	want := fmt.Sprintf("Container c for pod %s/%s failed with exit code 42 matching FailJob rule at index 0", ns, pods[0].Name)
	if c := condition(got, batchv1.JobFailed); c.Reason != "PodFailurePolicy" || c.Message != want {
		t.Errorf("Failed condition %+v, want message %q", c, want)
	}
	if got.Status.Failed != 1 {
		t.Errorf("failed = %d", got.Status.Failed)
	}
}

func TestIndexedJob(t *testing.T) {
	ns := newNamespace(t)
	j := newJob("idx", "0")
	j.Spec.Completions, j.Spec.Parallelism = ptr(int32(3)), ptr(int32(3))
	j.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
	if _, err := srv.Client.BatchV1().Jobs(ns).Create(ctx, j, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got := waitJob(t, ns, "idx", batchv1.JobComplete)
	if got.Status.CompletedIndexes != "0-2" || got.Status.Succeeded != 3 {
		t.Errorf("completedIndexes %q succeeded %d", got.Status.CompletedIndexes, got.Status.Succeeded)
	}
	seen := map[string]bool{}
	for _, p := range jobPods(t, ns, "idx") {
		ix := p.Annotations["batch.kubernetes.io/job-completion-index"]
		if p.Labels["batch.kubernetes.io/job-completion-index"] != ix || p.Spec.Hostname != "idx-"+ix || !strings.HasPrefix(p.Name, "idx-"+ix+"-") {
			t.Errorf("pod %s: index %q labels %v hostname %q", p.Name, ix, p.Labels, p.Spec.Hostname)
		}
		env := p.Spec.Containers[0].Env
		if len(env) != 1 || env[0].Name != "JOB_COMPLETION_INDEX" || env[0].ValueFrom.FieldRef.FieldPath != "metadata.labels['batch.kubernetes.io/job-completion-index']" {
			t.Errorf("pod %s env %+v", p.Name, env)
		}
		seen[ix] = true
	}
	if len(seen) != 3 {
		t.Errorf("indexes %v", seen)
	}
}

func TestJobSuspendAndResume(t *testing.T) {
	ns := newNamespace(t)
	j := newJob("sus", "")
	j.Spec.Suspend = ptr(true)
	if _, err := srv.Client.BatchV1().Jobs(ns).Create(ctx, j, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got := waitJob(t, ns, "sus", batchv1.JobSuspended)
	if c := condition(got, batchv1.JobSuspended); c.Reason != "JobSuspended" || c.Message != "Job suspended" {
		t.Errorf("Suspended %+v", c)
	}
	if got.Status.StartTime != nil || len(jobPods(t, ns, "sus")) != 0 {
		t.Errorf("suspended job started: %+v", got.Status)
	}
	got.Spec.Suspend = ptr(false)
	if _, err := srv.Client.BatchV1().Jobs(ns).Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		j, err := srv.Client.BatchV1().Jobs(ns).Get(ctx, "sus", metav1.GetOptions{})
		if err != nil {
			return err
		}
		c := condition(j, batchv1.JobSuspended)
		if c == nil || c.Status != corev1.ConditionFalse || c.Reason != "JobResumed" || j.Status.StartTime == nil || j.Status.Active != 1 || *j.Status.Ready != 1 {
			return fmt.Errorf("resumed job status %+v", j.Status)
		}
		return nil
	})
}

func TestJobActiveDeadline(t *testing.T) {
	ns := newNamespace(t)
	j := newJob("deadline", "")
	j.Spec.ActiveDeadlineSeconds = ptr(int64(1))
	if _, err := srv.Client.BatchV1().Jobs(ns).Create(ctx, j, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got := waitJob(t, ns, "deadline", batchv1.JobFailed)
	if c := condition(got, batchv1.JobFailed); c.Reason != "DeadlineExceeded" || c.Message != "Job was active longer than specified deadline" {
		t.Errorf("Failed %+v", c)
	}
	if got.Status.Active != 0 || got.Status.Failed != 1 {
		t.Errorf("status %+v", got.Status)
	}
	eventually(t, 30*time.Second, func() error {
		if pods := jobPods(t, ns, "deadline"); len(pods) != 0 {
			return fmt.Errorf("%d pods left", len(pods))
		}
		return nil
	})
}
