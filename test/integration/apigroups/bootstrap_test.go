package apigroups

import (
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flowbootstrap "github.com/skiff-k8s/skiff/registry/flowcontrol/bootstrap"
	"github.com/skiff-k8s/skiff/registry/scheduling/priorityclass"
)

// TestBootstrapObjects creates the objects kube-apiserver creates at start
// (as the post-start hooks do) and checks what a user then sees.
func TestBootstrapObjects(t *testing.T) {
	if err := priorityclass.Bootstrap(ctx, srv.Client.SchedulingV1()); err != nil {
		t.Fatal(err)
	}
	if err := priorityclass.Bootstrap(ctx, srv.Client.SchedulingV1()); err != nil {
		t.Fatalf("second bootstrap: %v", err)
	}
	pc, err := srv.Client.SchedulingV1().PriorityClasses().Get(ctx, "system-node-critical", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pc.Value != 2000001000 {
		t.Errorf("system-node-critical value = %d", pc.Value)
	}
	err = srv.Client.SchedulingV1().PriorityClasses().Delete(ctx, "system-cluster-critical", metav1.DeleteOptions{})
	if !apierrors.IsForbidden(err) {
		t.Errorf("deleting a system priority class: want 403, got %v", err)
	}

	if err := flowbootstrap.Ensure(ctx, srv.Client.FlowcontrolV1()); err != nil {
		t.Fatal(err)
	}
	table := getTable(t, "/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations")
	if row := rowFor(t, table, "exempt"); row[1] != "Exempt" || row[2] != "<none>" {
		t.Errorf("exempt row = %v", row)
	}
	if row := rowFor(t, table, "catch-all"); row[1] != "Limited" || row[2] != float64(5) || row[3] != "<none>" {
		t.Errorf("catch-all row = %v", row)
	}
	table = getTable(t, "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas")
	if row := rowFor(t, table, "exempt"); row[1] != "exempt" || row[2] != float64(1) {
		t.Errorf("exempt flowschema row = %v", row)
	}
}
