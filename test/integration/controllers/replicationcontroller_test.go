package controllers

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A ReplicationController behaves as upstream's: pods owned by it (kind
// ReplicationController, v1), status counters, events from the
// replication-controller, kubectl scale and get.
func TestReplicationController(t *testing.T) {
	ns := newNamespace(t)
	manifest := `apiVersion: v1
kind: ReplicationController
metadata:
  name: legacy
spec:
  replicas: 3
  selector:
    app: legacy
  template:
    metadata:
      labels:
        app: legacy
    spec:
      containers:
      - name: c
        image: nginx:1.27
`
	contains(t, "create", okIn(t, manifest, "-n", ns, "create", "-f", "-"), "replicationcontroller/legacy created")
	rc := waitRCStatus(t, ns, "legacy", 3)
	pods := activePods(listPods(t, ns, "app=legacy"))
	if len(pods) != 3 {
		t.Fatalf("%d pods, want 3", len(pods))
	}
	for _, p := range pods {
		ref := metav1.GetControllerOf(&p)
		if ref == nil || ref.Kind != "ReplicationController" || ref.APIVersion != "v1" || ref.UID != rc.UID ||
			ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion || p.GenerateName != "legacy-" {
			t.Errorf("pod %s: generateName %q controller %+v", p.Name, p.GenerateName, ref)
		}
	}
	waitEvent(t, ns, "ReplicationController", "legacy", "SuccessfulCreate", "Created pod: legacy-")
	contains(t, "get", ok(t, "-n", ns, "get", "rc", "legacy"), "NAME", "DESIRED", "CURRENT", "READY", "legacy   3         3         3")

	contains(t, "scale", ok(t, "-n", ns, "scale", "rc/legacy", "--replicas=1"), "replicationcontroller/legacy scaled")
	waitRCStatus(t, ns, "legacy", 1)
	eventually(t, "pods deleted", func() (bool, string) {
		n := len(listPods(t, ns, "app=legacy"))
		return n == 1, fmt.Sprintf("%d pods", n)
	})
	waitEvent(t, ns, "ReplicationController", "legacy", "SuccessfulDelete", "Deleted pod: legacy-")

	// Deleting it deletes its pod (background cascade through the GC).
	contains(t, "delete", ok(t, "-n", ns, "delete", "rc", "legacy"), `replicationcontroller "legacy" deleted`)
	eventually(t, "pods collected", func() (bool, string) {
		n := len(listPods(t, ns, "app=legacy"))
		return n == 0, fmt.Sprintf("%d pods", n)
	})
}

func waitRCStatus(t *testing.T, ns, name string, n int32) *corev1.ReplicationController {
	t.Helper()
	var rc *corev1.ReplicationController
	eventually(t, "replicationcontroller status", func() (bool, string) {
		var err error
		rc, err = srv.Client.CoreV1().ReplicationControllers(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		s := rc.Status
		got := fmt.Sprintf("replicas=%d labeled=%d ready=%d available=%d observed=%d/%d", s.Replicas, s.FullyLabeledReplicas, s.ReadyReplicas, s.AvailableReplicas, s.ObservedGeneration, rc.Generation)
		return s.Replicas == n && s.FullyLabeledReplicas == n && s.ReadyReplicas == n && s.AvailableReplicas == n && s.ObservedGeneration == rc.Generation, got
	})
	return rc
}
