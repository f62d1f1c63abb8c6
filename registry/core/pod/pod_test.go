package pod

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRowStatus(t *testing.T) {
	now := metav1.Now()
	cases := []struct {
		name string
		pod  corev1.Pod
		want [3]string // ready, status, restarts
	}{
		{"pending", corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}}, Status: corev1.PodStatus{Phase: corev1.PodPending}},
			[3]string{"0/1", "Pending", "0"}},
		{"creating", corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}}, Status: corev1.PodStatus{Phase: corev1.PodPending,
			ContainerStatuses: []corev1.ContainerStatus{{Name: "a", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}}}},
			[3]string{"0/1", "ContainerCreating", "0"}},
		{"completed", corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded,
			ContainerStatuses: []corev1.ContainerStatus{{Name: "a", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}}}}},
			[3]string{"0/1", "Completed", "0"}},
		{"init", corev1.Pod{Spec: corev1.PodSpec{InitContainers: []corev1.Container{{Name: "i"}}, Containers: []corev1.Container{{Name: "a"}}}, Status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{{Name: "i", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}},
			[3]string{"0/1", "Init:0/1", "0"}},
		{"crash", corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}}, Status: corev1.PodStatus{Phase: corev1.PodRunning,
			ContainerStatuses: []corev1.ContainerStatus{{Name: "a", RestartCount: 3, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}}},
			[3]string{"0/1", "CrashLoopBackOff", "3"}},
		{"terminating", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}}, Status: corev1.PodStatus{Phase: corev1.PodRunning}},
			[3]string{"0/1", "Terminating", "0"}},
	}
	for _, tc := range cases {
		row := Row(&tc.pod)
		got := [3]string{row[1].(string), row[2].(string), row[3].(string)}
		if got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		if len(row) != len(columns.Columns) {
			t.Errorf("%s: %d cells for %d columns", tc.name, len(row), len(columns.Columns))
		}
	}
}

func TestQOS(t *testing.T) {
	rl := func(cpu, mem string) corev1.ResourceList {
		l := corev1.ResourceList{}
		if cpu != "" {
			l[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if mem != "" {
			l[corev1.ResourceMemory] = resource.MustParse(mem)
		}
		return l
	}
	pod := func(req, lim corev1.ResourceList) *corev1.Pod {
		return &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: req, Limits: lim}}}}}
	}
	for name, tc := range map[string]struct {
		pod  *corev1.Pod
		want corev1.PodQOSClass
	}{
		"none":       {pod(nil, nil), corev1.PodQOSBestEffort},
		"requests":   {pod(rl("1", ""), nil), corev1.PodQOSBurstable},
		"equal":      {pod(rl("1", "1Gi"), rl("1", "1Gi")), corev1.PodQOSGuaranteed},
		"cpu only":   {pod(rl("1", ""), rl("1", "")), corev1.PodQOSBurstable},
		"below lims": {pod(rl("500m", "1Gi"), rl("1", "1Gi")), corev1.PodQOSBurstable},
	} {
		if got := GetPodQOS(tc.pod); got != tc.want {
			t.Errorf("%s: %s, want %s", name, got, tc.want)
		}
	}
}

func TestCheckGracefulDelete(t *testing.T) {
	thirty := int64(30)
	for name, tc := range map[string]struct {
		pod  corev1.Pod
		opts *int64
		want int64
	}{
		"unscheduled": {corev1.Pod{Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &thirty}}, nil, 0},
		"scheduled":   {corev1.Pod{Spec: corev1.PodSpec{NodeName: "n", TerminationGracePeriodSeconds: &thirty}}, nil, 30},
		"terminal":    {corev1.Pod{Spec: corev1.PodSpec{NodeName: "n", TerminationGracePeriodSeconds: &thirty}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}, nil, 0},
		"negative":    {corev1.Pod{Spec: corev1.PodSpec{NodeName: "n"}}, new(int64), 0},
	} {
		opts := &metav1.DeleteOptions{GracePeriodSeconds: tc.opts}
		if !Strategy.CheckGracefulDelete(context.Background(), &tc.pod, opts) || *opts.GracePeriodSeconds != tc.want {
			t.Errorf("%s: grace %d, want %d", name, *opts.GracePeriodSeconds, tc.want)
		}
	}
}

// FuzzValidate checks pod validation never panics on defaulted pods.
func FuzzValidate(f *testing.F) {
	f.Add("p", "c", "busybox", "n")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, name, container, image, node string) {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
			Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: container, Image: image}}}}
		_ = ValidateCreate(p)
		q := p.DeepCopy()
		q.Spec.Containers[0].Image += "x"
		_ = ValidateUpdate(q, p)
		_ = ValidateStatusUpdate(q, p)
		_ = ValidateResize(q, p)
		_ = Row(p)
	})
}
