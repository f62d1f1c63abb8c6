package apigroups

import (
	"context"
	"strings"
	"testing"
	"time"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	resourcev1 "k8s.io/api/resource/v1"
	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
)

func TestFlowControlDefaults(t *testing.T) {
	fc := srv.Client.FlowcontrolV1()
	pl, err := fc.PriorityLevelConfigurations().Create(ctx, &flowcontrolv1.PriorityLevelConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "batch"},
		Spec: flowcontrolv1.PriorityLevelConfigurationSpec{
			Type: flowcontrolv1.PriorityLevelEnablementLimited,
			Limited: &flowcontrolv1.LimitedPriorityLevelConfiguration{LimitResponse: flowcontrolv1.LimitResponse{
				Type: flowcontrolv1.LimitResponseTypeQueue, Queuing: &flowcontrolv1.QueuingConfiguration{},
			}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fc.PriorityLevelConfigurations().Delete(ctx, pl.Name, metav1.DeleteOptions{}) })
	l := pl.Spec.Limited
	if *l.NominalConcurrencyShares != 30 || *l.LendablePercent != 0 || l.LimitResponse.Queuing.Queues != 64 || l.LimitResponse.Queuing.HandSize != 8 || l.LimitResponse.Queuing.QueueLengthLimit != 50 {
		t.Errorf("defaults: %+v %+v", l, l.LimitResponse.Queuing)
	}

	fs, err := fc.FlowSchemas().Create(ctx, &flowcontrolv1.FlowSchema{
		ObjectMeta: metav1.ObjectMeta{Name: "batch-jobs"},
		Spec:       flowcontrolv1.FlowSchemaSpec{PriorityLevelConfiguration: flowcontrolv1.PriorityLevelConfigurationReference{Name: "batch"}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fc.FlowSchemas().Delete(ctx, fs.Name, metav1.DeleteOptions{}) })
	if fs.Spec.MatchingPrecedence != 1000 {
		t.Errorf("matchingPrecedence = %d", fs.Spec.MatchingPrecedence)
	}
	_, err = fc.FlowSchemas().Create(ctx, &flowcontrolv1.FlowSchema{
		ObjectMeta: metav1.ObjectMeta{Name: "bad"},
		Spec:       flowcontrolv1.FlowSchemaSpec{MatchingPrecedence: 20000},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.matchingPrecedence")
	assertInvalid(t, err, "spec.priorityLevelConfiguration.name")

	table := getTable(t, "/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations")
	if got := strings.Join(columns(table), ","); got != "Name,Type,NominalConcurrencyShares,Queues,HandSize,QueueLengthLimit,Age" {
		t.Errorf("columns = %s", got)
	}
	table = getTable(t, "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas")
	if got := strings.Join(columns(table), ","); got != "Name,PriorityLevel,MatchingPrecedence,DistinguisherMethod,Age,MissingPL" {
		t.Errorf("columns = %s", got)
	}
	if row := rowFor(t, table, "batch-jobs"); row[1] != "batch" || row[2] != float64(1000) || row[3] != "<none>" {
		t.Errorf("row = %v", row)
	}
	// As upstream's APF config controller, skiff sets the Dangling condition
	// asynchronously: False (reason Found) once the priority level exists.
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		fs, err = fc.FlowSchemas().Get(ctx, "batch-jobs", metav1.GetOptions{})
		return err == nil && len(fs.Status.Conditions) > 0, nil
	})
	if err != nil {
		t.Fatalf("no Dangling condition on the FlowSchema: %v", err)
	}
	if c := fs.Status.Conditions[0]; c.Type != flowcontrolv1.FlowSchemaConditionDangling || c.Status != flowcontrolv1.ConditionFalse || c.Reason != "Found" ||
		c.Message != `This FlowSchema references the PriorityLevelConfiguration object named "batch" and it exists` {
		t.Errorf("condition = %+v", c)
	}
	table = getTable(t, "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas")
	if row := rowFor(t, table, "batch-jobs"); row[5] != "False" {
		t.Errorf("MissingPL = %v, want False", row[5])
	}
}

func TestResourceClaimDefaultsAndSlices(t *testing.T) {
	rc, err := srv.Client.ResourceV1().ResourceClaims("default").Create(ctx, &resourcev1.ResourceClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "gpu"},
		Spec: resourcev1.ResourceClaimSpec{Devices: resourcev1.DeviceClaim{Requests: []resourcev1.DeviceRequest{
			{Name: "gpu", Exactly: &resourcev1.ExactDeviceRequest{DeviceClassName: "gpu.example.com"}},
		}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.ResourceV1().ResourceClaims("default").Delete(ctx, rc.Name, metav1.DeleteOptions{})
	})
	e := rc.Spec.Devices.Requests[0].Exactly
	if e.AllocationMode != resourcev1.DeviceAllocationModeExactCount || e.Count != 1 {
		t.Errorf("defaults: %+v", e)
	}
	table := getTable(t, "/apis/resource.k8s.io/v1/namespaces/default/resourceclaims")
	if row := rowFor(t, table, "gpu"); row[1] != "pending" {
		t.Errorf("row = %v", row)
	}

	slices := srv.Client.ResourceV1().ResourceSlices()
	s, err := slices.Create(ctx, &resourcev1.ResourceSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "node1-gpu"},
		Spec: resourcev1.ResourceSliceSpec{
			Driver: "gpu.example.com", NodeName: ptr.To("node1"),
			Pool:    resourcev1.ResourcePool{Name: "node1", ResourceSliceCount: 1},
			Devices: []resourcev1.Device{{Name: "gpu-0"}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = slices.Delete(ctx, s.Name, metav1.DeleteOptions{}) })
	for sel, want := range map[string]int{"spec.nodeName=node1": 1, "spec.nodeName=node2": 0, "spec.driver=gpu.example.com": 1, "spec.pool.name=other": 0} {
		list, err := slices.List(ctx, metav1.ListOptions{FieldSelector: sel})
		if err != nil || len(list.Items) != want {
			t.Errorf("%s: %v, %d items", sel, err, len(list.Items))
		}
	}
	table = getTable(t, "/apis/resource.k8s.io/v1/resourceslices")
	if got := strings.Join(columns(table), ","); got != "Name,Node,Driver,Pool,Age" {
		t.Errorf("columns = %s", got)
	}

	_, err = slices.Create(ctx, &resourcev1.ResourceSlice{ObjectMeta: metav1.ObjectMeta{Name: "bad"}}, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.driver")
	assertInvalid(t, err, "spec.pool.name")
}

func TestStorageVersionMigration(t *testing.T) {
	c := srv.Client.StoragemigrationV1().StorageVersionMigrations()
	_, err := c.Create(ctx, &storagemigrationv1.StorageVersionMigration{ObjectMeta: metav1.ObjectMeta{Name: "bad"}}, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.resource.resource")
	m, err := c.Create(ctx, &storagemigrationv1.StorageVersionMigration{
		ObjectMeta: metav1.ObjectMeta{Name: "secrets"},
		Spec:       storagemigrationv1.StorageVersionMigrationSpec{Resource: metav1.GroupResource{Resource: "secrets"}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, m.Name, metav1.DeleteOptions{}) })
	table := getTable(t, "/apis/storagemigration.k8s.io/v1/storageversionmigrations")
	if got := strings.Join(columns(table), ","); got != "Name,Resource,Status" {
		t.Errorf("columns = %s", got)
	}
	if row := rowFor(t, table, "secrets"); row[1] != "secrets" || row[2] != "Unknown" {
		t.Errorf("row = %v", row)
	}
}
