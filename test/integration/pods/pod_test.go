package pods

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestMinimalPodDefaults checks the pod `kubectl run x --image=busybox`
// creates comes back with upstream's defaults.
func TestMinimalPodDefaults(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	pod, err := srv.Client.CoreV1().Pods(ns).Create(ctx, basicPod("x"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := pod.Spec
	c := s.Containers[0]
	checks := map[string][2]interface{}{
		"restartPolicy":            {s.RestartPolicy, corev1.RestartPolicyAlways},
		"dnsPolicy":                {s.DNSPolicy, corev1.DNSClusterFirst},
		"schedulerName":            {s.SchedulerName, "default-scheduler"},
		"terminationGracePeriod":   {*s.TerminationGracePeriodSeconds, int64(30)},
		"enableServiceLinks":       {*s.EnableServiceLinks, true},
		"securityContext":          {s.SecurityContext != nil, true},
		"imagePullPolicy":          {c.ImagePullPolicy, corev1.PullAlways},
		"terminationMessagePath":   {c.TerminationMessagePath, "/dev/termination-log"},
		"terminationMessagePolicy": {c.TerminationMessagePolicy, corev1.TerminationMessageReadFile},
		"phase":                    {pod.Status.Phase, corev1.PodPending},
		"qosClass":                 {pod.Status.QOSClass, corev1.PodQOSBestEffort},
		"generation":               {pod.Generation, int64(1)},
	}
	for name, v := range checks {
		if v[0] != v[1] {
			t.Errorf("%s = %v, want %v", name, v[0], v[1])
		}
	}
	// DefaultTolerationSeconds admission adds the two 300 s NoExecute
	// tolerations, as upstream.
	if len(s.Tolerations) != 2 || s.NodeName != "" {
		t.Errorf("tolerations %+v, node %q", s.Tolerations, s.NodeName)
	}
}

func TestPodNestedDefaults(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	p := basicPod("nested")
	c := &p.Spec.Containers[0]
	c.Image = "nginx:1.27"
	c.Ports = []corev1.ContainerPort{{ContainerPort: 80}}
	c.Env = []corev1.EnvVar{{Name: "NODE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}}}
	c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)}}}
	c.Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}
	c.VolumeMounts = []corev1.VolumeMount{{Name: "cm", MountPath: "/cm"}, {Name: "scratch", MountPath: "/scratch"}}
	p.Spec.Volumes = []corev1.Volume{
		{Name: "cm", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}},
		{Name: "scratch"},
		{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp"}}},
		{Name: "sec", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s"}}},
	}
	pod, err := srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := pod.Spec.Containers[0]
	if got.ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("tagged image pull policy = %s", got.ImagePullPolicy)
	}
	if got.Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("port protocol = %q", got.Ports[0].Protocol)
	}
	if got.Env[0].ValueFrom.FieldRef.APIVersion != "v1" {
		t.Errorf("fieldRef apiVersion = %q", got.Env[0].ValueFrom.FieldRef.APIVersion)
	}
	lp := got.LivenessProbe
	if lp.TimeoutSeconds != 1 || lp.PeriodSeconds != 10 || lp.SuccessThreshold != 1 || lp.FailureThreshold != 3 ||
		lp.HTTPGet.Path != "/" || lp.HTTPGet.Scheme != corev1.URISchemeHTTP {
		t.Errorf("probe defaults: %+v %+v", lp, lp.HTTPGet)
	}
	if got.Resources.Requests.Cpu().String() != "100m" || got.Resources.Requests.Memory().String() != "64Mi" {
		t.Errorf("requests not defaulted from limits: %v", got.Resources.Requests)
	}
	if pod.Status.QOSClass != corev1.PodQOSGuaranteed {
		t.Errorf("qosClass = %s, want Guaranteed", pod.Status.QOSClass)
	}
	vols := pod.Spec.Volumes
	if *vols[0].ConfigMap.DefaultMode != 0644 || *vols[3].Secret.DefaultMode != 0644 {
		t.Errorf("defaultMode: %v %v", *vols[0].ConfigMap.DefaultMode, *vols[3].Secret.DefaultMode)
	}
	if vols[1].EmptyDir == nil {
		t.Errorf("volume without source is not an emptyDir: %+v", vols[1])
	}
	if vols[2].HostPath.Type == nil || *vols[2].HostPath.Type != "" {
		t.Errorf("hostPath type: %v", vols[2].HostPath.Type)
	}
}

func TestPodValidation(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	pods := srv.Client.CoreV1().Pods(ns)
	cases := []struct {
		name   string
		mutate func(*corev1.Pod)
		field  string
		msg    string
	}{
		{"no containers", func(p *corev1.Pod) { p.Spec.Containers = nil }, "spec.containers", "Required value"},
		{"no image", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "" }, "spec.containers[0].image", "Required value"},
		{"bad container name", func(p *corev1.Pod) { p.Spec.Containers[0].Name = "Bad_Name" }, "spec.containers[0].name", "RFC 1123"},
		{"duplicate container", func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, p.Spec.Containers[0])
		}, "spec.containers[1].name", "Duplicate value"},
		{"restart policy", func(p *corev1.Pod) { p.Spec.RestartPolicy = "Sometimes" }, "spec.restartPolicy", "Unsupported value"},
		{"dns policy", func(p *corev1.Pod) { p.Spec.DNSPolicy = "Magic" }, "spec.dnsPolicy", "Unsupported value"},
		{"missing volume", func(p *corev1.Pod) {
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "nope", MountPath: "/x"}}
		}, "spec.containers[0].volumeMounts[0].name", "Not found"},
		{"duplicate volume", func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "v"}, {Name: "v"}}
		}, "spec.volumes[1].name", "Duplicate value"},
		{"port", func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 70000}}
		}, "spec.containers[0].ports[0].containerPort", "between 1 and 65535"},
		{"requests above limits", func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources = corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
			}
		}, "spec.containers[0].resources.requests", "must be less than or equal to cpu limit of 1"},
		{"activeDeadlineSeconds zero", func(p *corev1.Pod) {
			p.Spec.ActiveDeadlineSeconds = new(int64)
		}, "spec.activeDeadlineSeconds", "between 1 and 2147483647"},
		{"ephemeral on create", func(p *corev1.Pod) {
			p.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug", Image: "busybox"}}}
		}, "spec.ephemeralContainers", "cannot be set on create"},
		{"bad name", func(p *corev1.Pod) { p.Name = "Not_Valid" }, "metadata.name", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := basicPod("v")
			tc.mutate(p)
			_, err := pods.Create(ctx, p, metav1.CreateOptions{})
			assertInvalid(t, err, tc.field, tc.msg)
		})
	}
}

func TestPodUpdate(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	pods := srv.Client.CoreV1().Pods(ns)
	pod, err := pods.Create(ctx, basicPod("u"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Spec.Containers[0].Image = "busybox:1.36"
	pod.Status.Phase = corev1.PodRunning
	updated, err := pods.Update(ctx, pod, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Spec.Containers[0].Image != "busybox:1.36" || updated.Generation != 2 {
		t.Errorf("image update: image %s generation %d", updated.Spec.Containers[0].Image, updated.Generation)
	}
	if updated.Status.Phase != corev1.PodPending {
		t.Errorf("update changed status to %s", updated.Status.Phase)
	}
	updated.Spec.Containers[0].Args = []string{"sleep"}
	_, err = pods.Update(ctx, updated, metav1.UpdateOptions{})
	assertInvalid(t, err, "spec", "pod updates may not change fields other than `spec.containers[*].image`")

	updated, _ = pods.Get(ctx, "u", metav1.GetOptions{})
	updated.Spec.Containers = append(updated.Spec.Containers, corev1.Container{Name: "two", Image: "busybox"})
	_, err = pods.Update(ctx, updated, metav1.UpdateOptions{})
	assertInvalid(t, err, "spec.containers", "pod updates may not add or remove containers")
}

func TestPodStatus(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	pods := srv.Client.CoreV1().Pods(ns)
	pod, err := pods.Create(ctx, basicPod("s"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status.Phase = corev1.PodRunning
	pod.Status.PodIP = "10.0.0.5"
	pod.Spec.Containers[0].Image = "ignored"
	got, err := pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status.Phase != corev1.PodRunning || len(got.Status.PodIPs) != 1 || got.Status.PodIPs[0].IP != "10.0.0.5" {
		t.Errorf("status update: %+v", got.Status)
	}
	if got.Status.QOSClass != corev1.PodQOSBestEffort {
		t.Errorf("qosClass lost: %q", got.Status.QOSClass)
	}
	if got.Spec.Containers[0].Image != "busybox" {
		t.Errorf("status update changed the image to %s", got.Spec.Containers[0].Image)
	}
	got.Status.PodIP, got.Status.PodIPs = "not-an-ip", nil
	_, err = pods.UpdateStatus(ctx, got, metav1.UpdateOptions{})
	assertInvalid(t, err, "status.podIPs[0].ip", "")
}

func TestPodTable(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	pods := srv.Client.CoreV1().Pods(ns)
	if _, err := pods.Create(ctx, basicPod("a"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	b, err := pods.Create(ctx, basicPod("b"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	started := true
	b.Status = corev1.PodStatus{
		Phase: corev1.PodRunning, PodIP: "10.1.2.3", NominatedNodeName: "n2",
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "b", Ready: true, Started: &started, RestartCount: 2,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}},
	}
	if _, err := pods.UpdateStatus(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	tbl := getTable(t, "/api/v1/namespaces/"+ns+"/pods")
	cols, wide := columnNames(tbl)
	if strings.Join(cols, ",") != "Name,Ready,Status,Restarts,Age" || strings.Join(wide, ",") != "IP,Node,Nominated Node,Readiness Gates" {
		t.Fatalf("columns %v wide %v", cols, wide)
	}
	if len(tbl.Rows) != 2 {
		t.Fatalf("%d rows", len(tbl.Rows))
	}
	want := map[string][]interface{}{
		"a": {"a", "0/1", "Pending", "0", nil, "<none>", "<none>", "<none>", "<none>"},
		"b": {"b", "1/1", "Running", "2", nil, "10.1.2.3", "<none>", "n2", "<none>"},
	}
	for _, row := range tbl.Rows {
		w := want[row.Cells[0].(string)]
		for i, cell := range row.Cells {
			if w[i] != nil && cell != w[i] {
				t.Errorf("pod %s cell %d = %v, want %v", row.Cells[0], i, cell, w[i])
			}
		}
	}
}

func TestPodFieldSelectors(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	pods := srv.Client.CoreV1().Pods(ns)
	for _, n := range []string{"one", "two"} {
		if _, err := pods.Create(ctx, basicPod(n), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	bind := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "two"}, Target: corev1.ObjectReference{Kind: "Node", Name: "node-1"}}
	if err := pods.Bind(ctx, bind, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for selector, want := range map[string]string{
		"spec.nodeName=node-1":                   "two",
		"spec.host=node-1":                       "two",
		"spec.nodeName=":                         "one",
		"status.phase=Pending,metadata.name=one": "one",
		"spec.restartPolicy=Always,spec.schedulerName=default-scheduler,spec.nodeName!=":   "two",
		"spec.hostNetwork=false,status.podIP=,status.nominatedNodeName=,metadata.name=two": "two",
	} {
		list, err := pods.List(ctx, metav1.ListOptions{FieldSelector: selector})
		if err != nil {
			t.Errorf("%s: %v", selector, err)
			continue
		}
		if len(list.Items) != 1 || list.Items[0].Name != want {
			var got []string
			for _, p := range list.Items {
				got = append(got, p.Name)
			}
			t.Errorf("%s selected %v, want [%s]", selector, got, want)
		}
	}
	if _, err := pods.List(ctx, metav1.ListOptions{FieldSelector: "status.podIPs=10.0.0.1"}); err != nil {
		t.Errorf("status.podIPs is a supported label: %v", err)
	}
	_, err := pods.List(ctx, metav1.ListOptions{FieldSelector: "spec.image=x"})
	if err == nil || !strings.Contains(err.Error(), "field label not supported: spec.image") {
		t.Errorf("unsupported selector: %v", err)
	}
}

func TestBinding(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	pods := srv.Client.CoreV1().Pods(ns)
	if _, err := pods.Create(ctx, basicPod("p"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	bind := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "p", Annotations: map[string]string{"a": "b"}}, Target: corev1.ObjectReference{Name: "node-1"}}
	if err := pods.Bind(ctx, bind, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod, err := pods.Get(ctx, "p", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pod.Spec.NodeName != "node-1" || pod.Annotations["a"] != "b" {
		t.Errorf("after binding: node %q annotations %v", pod.Spec.NodeName, pod.Annotations)
	}
	scheduled := false
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionTrue {
			scheduled = true
		}
	}
	if !scheduled {
		t.Errorf("no PodScheduled condition: %+v", pod.Status.Conditions)
	}
	bind.Target.Name = "node-2"
	err = pods.Bind(ctx, bind, metav1.CreateOptions{})
	if !apierrors.IsConflict(err) || !strings.Contains(err.Error(), `is already assigned to node "node-1"`) {
		t.Errorf("second binding: %v", err)
	}

	// The namespace-level bindings resource binds too.
	if _, err := pods.Create(ctx, basicPod("q"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	res := srv.Client.CoreV1().RESTClient().Post().Namespace(ns).Resource("bindings").
		Body(&corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "q"}, Target: corev1.ObjectReference{Kind: "Node", Name: "node-3"}}).Do(ctx)
	if err := res.Error(); err != nil {
		t.Fatal(err)
	}
	if q, _ := pods.Get(ctx, "q", metav1.GetOptions{}); q.Spec.NodeName != "node-3" {
		t.Errorf("bindings: node %q", q.Spec.NodeName)
	}
	err = pods.Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "q"}, Target: corev1.ObjectReference{Kind: "Pod", Name: "x"}}, metav1.CreateOptions{})
	assertInvalid(t, err, "target.kind", "Unsupported value")
	err = pods.Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "missing"}, Target: corev1.ObjectReference{Name: "x"}}, metav1.CreateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("binding a missing pod: %v", err)
	}
}

func TestGracefulDelete(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	pods := srv.Client.CoreV1().Pods(ns)
	for _, n := range []string{"unscheduled", "scheduled"} {
		if _, err := pods.Create(ctx, basicPod(n), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := pods.Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "scheduled"}, Target: corev1.ObjectReference{Name: "n"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pods.Delete(ctx, "unscheduled", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, "unscheduled", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("unscheduled pod not deleted at once: %v", err)
	}
	if err := pods.Delete(ctx, "scheduled", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	pod, err := pods.Get(ctx, "scheduled", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("scheduled pod deleted at once: %v", err)
	}
	if pod.DeletionTimestamp == nil || pod.DeletionGracePeriodSeconds == nil || *pod.DeletionGracePeriodSeconds != 30 {
		t.Errorf("graceful deletion: timestamp %v grace %v", pod.DeletionTimestamp, pod.DeletionGracePeriodSeconds)
	}
	tbl := getTable(t, "/api/v1/namespaces/"+ns+"/pods/scheduled")
	if tbl.Rows[0].Cells[2] != "Terminating" {
		t.Errorf("status column %v, want Terminating", tbl.Rows[0].Cells[2])
	}
	zero := int64(0)
	if err := pods.Delete(ctx, "scheduled", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, "scheduled", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("grace period 0 did not delete: %v", err)
	}
}

func TestEvictionWithoutBudget(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	pods := srv.Client.CoreV1().Pods(ns)
	if _, err := pods.Create(ctx, basicPod("e"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ev := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "e", Namespace: ns}}
	if err := pods.EvictV1(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, "e", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("evicted pod still there: %v", err)
	}
	if err := pods.EvictV1(ctx, ev); !apierrors.IsNotFound(err) {
		t.Errorf("evicting a missing pod: %v", err)
	}
}

// TestEvictionHonoursBudget runs only where policy/v1 PDBs are served.
func TestEvictionHonoursBudget(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	pdbs := srv.Client.PolicyV1().PodDisruptionBudgets(ns)
	one := intstr.FromInt32(1)
	_, err := pdbs.Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "budget"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "guarded"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pods := srv.Client.CoreV1().Pods(ns)
	readyPod := func(name string) {
		t.Helper()
		p := basicPod(name)
		p.Labels = map[string]string{"app": "guarded"}
		pod, err := pods.Create(ctx, p, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pod.Status.Phase = corev1.PodRunning
		pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		if _, err := pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// The budget's status as the disruption controller would write it (it
	// does not run in this suite; controllers4 tests it).
	setBudget := func(healthy, allowed int32) {
		t.Helper()
		pdb, err := pdbs.Get(ctx, "budget", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pdb.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: pdb.Generation, CurrentHealthy: healthy,
			DesiredHealthy: 1, ExpectedPods: healthy, DisruptionsAllowed: allowed}
		if _, err := pdbs.UpdateStatus(ctx, pdb, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	readyPod("guarded")
	setBudget(1, 0)
	ev := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "guarded", Namespace: ns}}
	err = pods.EvictV1(ctx, ev)
	if !apierrors.IsTooManyRequests(err) || !strings.Contains(err.Error(), "Cannot evict pod as it would violate the pod's disruption budget.") {
		t.Fatalf("eviction against an exhausted budget: %v", err)
	}
	readyPod("spare")
	setBudget(2, 1)
	if err := pods.EvictV1(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, "guarded", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("evicted pod still present: %v", err)
	}
	got, err := pdbs.Get(ctx, "budget", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status.DisruptionsAllowed != 0 {
		t.Errorf("disruptionsAllowed = %d after eviction", got.Status.DisruptionsAllowed)
	}
}

func TestEphemeralContainers(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	pods := srv.Client.CoreV1().Pods(ns)
	pod, err := pods.Create(ctx, basicPod("dbg"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
		Name: "debugger", Image: "busybox", TerminationMessagePolicy: corev1.TerminationMessageReadFile, ImagePullPolicy: corev1.PullIfNotPresent,
	}, TargetContainerName: "dbg"}}
	pod.Spec.Containers[0].Image = "ignored"
	got, err := pods.UpdateEphemeralContainers(ctx, "dbg", pod, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Spec.EphemeralContainers) != 1 || got.Spec.Containers[0].Image != "busybox" {
		t.Errorf("ephemeral update: %+v, image %s", got.Spec.EphemeralContainers, got.Spec.Containers[0].Image)
	}
	got.Spec.EphemeralContainers = nil
	_, err = pods.UpdateEphemeralContainers(ctx, "dbg", got, metav1.UpdateOptions{})
	assertInvalid(t, err, "spec.ephemeralContainers", `existing ephemeral containers "debugger" may not be removed`)
}

func TestResize(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	pods := srv.Client.CoreV1().Pods(ns)
	p := basicPod("r")
	p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}
	pod, err := pods.Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	patch := []byte(`{"spec":{"containers":[{"name":"r","resources":{"requests":{"cpu":"200m"}}}]}}`)
	got, err := pods.Patch(ctx, "r", types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "resize")
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Containers[0].Resources.Requests.Cpu().String() != "200m" || got.Generation != pod.Generation+1 {
		t.Errorf("resize: requests %v generation %d", got.Spec.Containers[0].Resources.Requests, got.Generation)
	}
	patch = []byte(`{"spec":{"containers":[{"name":"r","resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"1","memory":"1Gi"}}}]}}`)
	_, err = pods.Patch(ctx, "r", types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "resize")
	assertInvalid(t, err, "spec", "Pod QOS Class may not change as a result of resizing")
}
