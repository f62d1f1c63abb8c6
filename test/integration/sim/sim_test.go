// Package sim tests simulated nodes (package sim, `skiff sim nodes`)
// against a real in-process skiff server: nodes register Ready with fresh
// Leases, pods bound to them run, become Ready, complete and are deleted.
package sim

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/server"
	"github.com/skiff-k8s/skiff/sim"
	"github.com/skiff-k8s/skiff/test/testserver"
)

const nodeCount = 50

var (
	srv   *testserver.Server
	nodes *sim.Sim
	ctx   = context.Background()
)

func TestMain(m *testing.M) {
	code := 0
	func() {
		dir, err := os.MkdirTemp("", "skiff-sim-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
			return
		}
		// The tests bind pods themselves: no scheduler races them.
		if srv, err = testserver.StartWith(server.Options{DataDir: dir, DisableScheduler: true}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
			return
		}
		defer srv.Close()
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		o := sim.Defaults()
		o.Count, o.NamePrefix, o.Zones = nodeCount, "simtest-", 3
		if nodes, err = sim.Start(sctx, srv.Config, o); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
			return
		}
		code = m.Run()
	}()
	os.Exit(code)
}

// eventually polls cond until it holds, failing the test after 60s with
// the last message cond returned.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	testserver.Eventually(t, 60*time.Second, 100*time.Millisecond, what, cond)
}

func TestNodesRegisterReadyWithLeases(t *testing.T) {
	list, err := srv.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: sim.LabelSimNode + "=true"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != nodeCount {
		t.Fatalf("got %d simulated nodes, want %d", len(list.Items), nodeCount)
	}
	zones := map[string]int{}
	for _, n := range list.Items {
		ready := false
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				ready = c.Status == corev1.ConditionTrue && c.Reason == "KubeletReady"
			}
		}
		if !ready {
			t.Errorf("node %s is not Ready: %+v", n.Name, n.Status.Conditions)
		}
		if got := n.Status.Allocatable.Pods().String(); got != "110" {
			t.Errorf("node %s allocatable pods = %s, want 110", n.Name, got)
		}
		if got := n.Status.Capacity.Cpu().String(); got != "32" {
			t.Errorf("node %s cpu = %s, want 32", n.Name, got)
		}
		if n.Labels[corev1.LabelHostname] != n.Name || n.Labels[corev1.LabelOSStable] != "linux" {
			t.Errorf("node %s labels = %v", n.Name, n.Labels)
		}
		if n.Status.NodeInfo.KubeletVersion == "" || n.Spec.PodCIDR == "" {
			t.Errorf("node %s: kubelet version %q, podCIDR %q", n.Name, n.Status.NodeInfo.KubeletVersion, n.Spec.PodCIDR)
		}
		zones[n.Labels[corev1.LabelTopologyZone]]++
	}
	if len(zones) != 3 || zones["zone-0"] != 17 || zones["zone-2"] != 16 {
		t.Errorf("zones = %v, want 17/17/16 over zone-0..zone-2", zones)
	}
	leases, err := srv.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fresh := 0
	for _, l := range leases.Items {
		if l.Spec.RenewTime != nil && time.Since(l.Spec.RenewTime.Time) < 40*time.Second &&
			l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity == l.Name && len(l.OwnerReferences) == 1 {
			fresh++
		}
	}
	if fresh < nodeCount {
		t.Errorf("%d fresh Leases held by their node in %s, want %d", fresh, corev1.NamespaceNodeLease, nodeCount)
	}
}

func newNamespace(t *testing.T) string {
	t.Helper()
	ns, err := srv.Client.CoreV1().Namespaces().Create(ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "sim-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}

func createAndBind(t *testing.T, ns string, pod *corev1.Pod, node string) {
	t.Helper()
	pods := srv.Client.CoreV1().Pods(ns)
	created, err := pods.Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := pods.Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: created.Name, UID: created.UID},
		Target: corev1.ObjectReference{Kind: "Node", Name: node}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func condition(p *corev1.Pod, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

func TestBoundPodRunsAndIsDeleted(t *testing.T) {
	ns := newNamespace(t)
	node := nodes.Nodes()[7]
	createAndBind(t, ns, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "init", Image: "busybox"}},
			Containers:     []corev1.Container{{Name: "app", Image: "nginx:1.27"}, {Name: "side", Image: "registry.example/side@sha256:abc"}},
		},
	}, node)
	pods := srv.Client.CoreV1().Pods(ns)
	var pod *corev1.Pod
	eventually(t, "pod Running and Ready", func() (bool, string) {
		p, err := pods.Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		pod = p
		return p.Status.Phase == corev1.PodRunning && condition(p, corev1.PodReady) == corev1.ConditionTrue,
			fmt.Sprintf("phase %s, conditions %+v", p.Status.Phase, p.Status.Conditions)
	})
	for _, c := range []corev1.PodConditionType{corev1.PodInitialized, corev1.ContainersReady, corev1.PodScheduled, corev1.PodReadyToStartContainers} {
		if condition(pod, c) != corev1.ConditionTrue {
			t.Errorf("condition %s = %q, want True", c, condition(pod, c))
		}
	}
	n, err := srv.Client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pod.Status.HostIP != n.Status.Addresses[0].Address || pod.Status.PodIP == "" || pod.Status.StartTime == nil {
		t.Errorf("hostIP %q (node %q), podIP %q, startTime %v", pod.Status.HostIP, n.Status.Addresses[0].Address, pod.Status.PodIP, pod.Status.StartTime)
	}
	if len(pod.Status.ContainerStatuses) != 2 {
		t.Fatalf("container statuses: %+v", pod.Status.ContainerStatuses)
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if !cs.Ready || cs.Started == nil || !*cs.Started || cs.State.Running == nil || cs.ContainerID == "" || cs.ImageID == "" {
			t.Errorf("container %s status: %+v", cs.Name, cs)
		}
	}
	if got := pod.Status.ContainerStatuses[1].ImageID; got != "registry.example/side@sha256:abc" {
		t.Errorf("imageID of a digest image = %q", got)
	}
	if ics := pod.Status.InitContainerStatuses; len(ics) != 1 || ics[0].State.Terminated == nil || ics[0].State.Terminated.Reason != "Completed" || !ics[0].Ready {
		t.Errorf("init container statuses: %+v", ics)
	}

	// A graceful delete completes: the pod disappears.
	if err := pods.Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "pod deleted", func() (bool, string) {
		p, err := pods.Get(ctx, "web", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, ""
		}
		if err != nil {
			return false, err.Error()
		}
		return false, fmt.Sprintf("still there, deletionTimestamp %v", p.DeletionTimestamp)
	})
}

func TestCompleteAfterAnnotation(t *testing.T) {
	ns := newNamespace(t)
	createAndBind(t, ns, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "job", Annotations: map[string]string{sim.AnnotationCompleteAfter: "1s"}},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "work", Image: "busybox"}},
		},
	}, nodes.Nodes()[0])
	eventually(t, "pod Succeeded", func() (bool, string) {
		p, err := srv.Client.CoreV1().Pods(ns).Get(ctx, "job", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		if p.Status.Phase != corev1.PodSucceeded {
			return false, "phase " + string(p.Status.Phase)
		}
		cs := p.Status.ContainerStatuses
		if len(cs) != 1 || cs[0].State.Terminated == nil || cs[0].State.Terminated.ExitCode != 0 || condition(p, corev1.PodReady) != corev1.ConditionFalse {
			return false, fmt.Sprintf("status %+v", p.Status)
		}
		return true, ""
	})
}

func TestPodsOfOtherNodesLeftAlone(t *testing.T) {
	ns := newNamespace(t)
	pods := srv.Client.CoreV1().Pods(ns)
	// Unbound: simulated nodes never schedule.
	if _, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "pending"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Bound to a node no simulator runs.
	if _, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "elsewhere"},
		Spec: corev1.PodSpec{NodeName: "real-node", Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Bound at creation to a simulated node: runs.
	if _, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "mine"},
		Spec: corev1.PodSpec{NodeName: nodes.Nodes()[3], Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "pod on a simulated node Running", func() (bool, string) {
		p, err := pods.Get(ctx, "mine", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return p.Status.Phase == corev1.PodRunning, "phase " + string(p.Status.Phase)
	})
	for _, name := range []string{"pending", "elsewhere"} {
		p, err := pods.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status.Phase != corev1.PodPending || p.Spec.NodeName != map[string]string{"pending": "", "elsewhere": "real-node"}[name] {
			t.Errorf("pod %s: phase %s, node %q; want it left Pending where it was", name, p.Status.Phase, p.Spec.NodeName)
		}
	}
}

func contextWithCancel() (context.Context, context.CancelFunc) { return context.WithCancel(ctx) }

func replicaSet(name string, replicas int32) *appsv1.ReplicaSet {
	labels := map[string]string{"app": name}
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
			},
		},
	}
}
