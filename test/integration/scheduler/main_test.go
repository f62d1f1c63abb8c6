// Package scheduler tests skiff's scheduler end to end: Node objects
// registered by the tests (Ready through the status subresource, no
// kubelet), pods created through client-go, and what a user then sees:
// spec.nodeName, the PodScheduled condition and the Scheduled /
// FailedScheduling events `kubectl describe pod` shows.
package scheduler

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/util/retry"

	"github.com/skiff-k8s/skiff/test/fakenode"
	"github.com/skiff-k8s/skiff/test/testserver"
)

var (
	srv *testserver.Server
	ctx = context.Background()
)

func TestMain(m *testing.M) { testserver.Main(m, &srv) }

// nodeSpec describes a test node.
type nodeSpec struct {
	labels        map[string]string
	taints        []corev1.Taint
	cpu, memory   string
	pods          string
	unschedulable bool
	extra         corev1.ResourceList
}

// addNode registers a Ready node and removes it when the test ends.
func addNode(t *testing.T, name string, s nodeSpec) *corev1.Node {
	t.Helper()
	if s.cpu == "" {
		s.cpu = "4"
	}
	if s.memory == "" {
		s.memory = "8Gi"
	}
	if s.pods == "" {
		s.pods = "110"
	}
	labels := map[string]string{corev1.LabelHostname: name}
	for k, v := range s.labels {
		labels[k] = v
	}
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       corev1.NodeSpec{Taints: s.taints, Unschedulable: s.unschedulable},
	}
	created, err := srv.Client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Client.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(s.cpu),
		corev1.ResourceMemory: resource.MustParse(s.memory),
		corev1.ResourcePods:   resource.MustParse(s.pods),
	}
	for k, v := range s.extra {
		capacity[k] = v
	}
	lctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var updated *corev1.Node
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		n, err := srv.Client.CoreV1().Nodes().Get(ctx, created.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		now := metav1.Now()
		n.Status.Capacity = capacity
		n.Status.Allocatable = capacity
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", LastHeartbeatTime: now, LastTransitionTime: now}}
		updated, err = srv.Client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fakenode.KeepAlive(lctx, srv.Client, name)
	// Nodes are created with the not-ready taint; the node lifecycle
	// controller lifts it once the node reports Ready.
	eventually(t, "node "+name+" untainted", func() (bool, string) {
		n, err := srv.Client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		updated = n
		for _, tn := range n.Spec.Taints {
			if tn.Key == corev1.TaintNodeNotReady || tn.Key == corev1.TaintNodeUnreachable {
				return false, fmt.Sprintf("taints %v", n.Spec.Taints)
			}
		}
		return true, ""
	})
	return updated
}

// pod returns a pod with one container requesting cpu/memory (empty: none).
func pod(name, cpu, memory string) *corev1.Pod {
	c := corev1.Container{Name: "c", Image: "registry.k8s.io/pause:3.10"}
	if cpu != "" || memory != "" {
		c.Resources.Requests = corev1.ResourceList{}
		if cpu != "" {
			c.Resources.Requests[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if memory != "" {
			c.Resources.Requests[corev1.ResourceMemory] = resource.MustParse(memory)
		}
	}
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}, Spec: corev1.PodSpec{Containers: []corev1.Container{c}}}
}

func create(t *testing.T, ns string, p *corev1.Pod) *corev1.Pod {
	t.Helper()
	out, err := srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// eventually polls cond for up to 60s.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	testserver.Eventually(t, 60*time.Second, 100*time.Millisecond, what, cond)
}

// scheduled waits until the pod is bound and returns its node.
func scheduled(t *testing.T, ns, name string) string {
	t.Helper()
	var node string
	eventually(t, "pod "+name+" scheduled", func() (bool, string) {
		p, err := srv.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		node = p.Spec.NodeName
		return node != "", fmt.Sprintf("conditions %+v", p.Status.Conditions)
	})
	return node
}

// unschedulable waits for PodScheduled=False reason Unschedulable with a
// message containing want, and returns the message.
func unschedulable(t *testing.T, ns, name, want string) string {
	t.Helper()
	var msg string
	eventually(t, "pod "+name+" unschedulable", func() (bool, string) {
		p, err := srv.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		if p.Spec.NodeName != "" {
			return false, "scheduled to " + p.Spec.NodeName
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled {
				msg = c.Message
				return c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable && strings.Contains(c.Message, want), fmt.Sprintf("%+v", c)
			}
		}
		return false, "no PodScheduled condition"
	})
	return msg
}

// events lists "Type Reason From: Message" of the pod's events.
func events(t *testing.T, ns, name string) []string {
	t.Helper()
	list, err := srv.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("involvedObject.name", name).String()})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		from := e.Source.Component
		if from == "" {
			from = e.ReportingController
		}
		out = append(out, fmt.Sprintf("%s %s %s: %s", e.Type, e.Reason, from, e.Message))
	}
	sort.Strings(out)
	return out
}

// hasEvent waits for an event line containing want.
func hasEvent(t *testing.T, ns, name, want string) {
	t.Helper()
	eventually(t, "event "+want, func() (bool, string) {
		evs := events(t, ns, name)
		for _, e := range evs {
			if strings.Contains(e, want) {
				return true, ""
			}
		}
		return false, strings.Join(evs, "\n")
	})
}

// namespace creates a namespace for one test.
func namespace(t *testing.T) string {
	t.Helper()
	ns, err := srv.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "sched-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		zero := int64(0)
		_ = srv.Client.CoreV1().Pods(ns.Name).DeleteCollection(context.Background(), metav1.DeleteOptions{GracePeriodSeconds: &zero}, metav1.ListOptions{})
		_ = srv.Client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
