package apigroups

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestStorageClass(t *testing.T) {
	c := srv.Client.StorageV1().StorageClasses()
	sc, err := c.Create(ctx, &storagev1.StorageClass{
		ObjectMeta:  metav1.ObjectMeta{Name: "fast", Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
		Provisioner: "example.com/fast",
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, sc.Name, metav1.DeleteOptions{}) })
	if *sc.ReclaimPolicy != corev1.PersistentVolumeReclaimDelete || *sc.VolumeBindingMode != storagev1.VolumeBindingImmediate {
		t.Errorf("defaults: %v %v", *sc.ReclaimPolicy, *sc.VolumeBindingMode)
	}
	sc.Parameters = map[string]string{"type": "ssd"}
	_, err = c.Update(ctx, sc, metav1.UpdateOptions{})
	assertInvalid(t, err, "parameters")

	_, err = c.Create(ctx, &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "noprov"}}, metav1.CreateOptions{})
	assertInvalid(t, err, "provisioner")

	table := getTable(t, "/apis/storage.k8s.io/v1/storageclasses")
	if got := strings.Join(columns(table), ","); got != "Name,Provisioner,ReclaimPolicy,VolumeBindingMode,AllowVolumeExpansion,Age" {
		t.Errorf("columns = %s", got)
	}
	row := rowFor(t, table, "fast (default)")
	if row[1] != "example.com/fast" || row[2] != "Delete" || row[3] != "Immediate" || row[4] != false {
		t.Errorf("row = %v", row)
	}
}

func TestCSIDriverDefaults(t *testing.T) {
	c := srv.Client.StorageV1().CSIDrivers()
	d, err := c.Create(ctx, &storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: "csi.example.com"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, d.Name, metav1.DeleteOptions{}) })
	s := d.Spec
	if !*s.AttachRequired || *s.PodInfoOnMount || *s.StorageCapacity || *s.RequiresRepublish ||
		*s.FSGroupPolicy != storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy || len(s.VolumeLifecycleModes) != 1 {
		t.Errorf("defaults: %+v", s)
	}
	table := getTable(t, "/apis/storage.k8s.io/v1/csidrivers")
	if got := strings.Join(columns(table), ","); got != "Name,AttachRequired,PodInfoOnMount,StorageCapacity,TokenRequests,RequiresRepublish,Modes,Age" {
		t.Errorf("columns = %s", got)
	}
	if row := rowFor(t, table, "csi.example.com"); row[4] != "<unset>" || row[6] != "Persistent" {
		t.Errorf("row = %v", row)
	}
}

func TestVolumeAttachmentValidation(t *testing.T) {
	_, err := srv.Client.StorageV1().VolumeAttachments().Create(ctx, &storagev1.VolumeAttachment{
		ObjectMeta: metav1.ObjectMeta{Name: "va"},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.attacher")
	assertInvalid(t, err, "spec.source")
}

func TestPriorityClass(t *testing.T) {
	c := srv.Client.SchedulingV1().PriorityClasses()
	pc, err := c.Create(ctx, &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "high"}, Value: 1000}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, pc.Name, metav1.DeleteOptions{}) })
	if *pc.PreemptionPolicy != corev1.PreemptLowerPriority {
		t.Errorf("preemptionPolicy = %v", *pc.PreemptionPolicy)
	}
	pc.Value = 5
	_, err = c.Update(ctx, pc, metav1.UpdateOptions{})
	assertInvalid(t, err, "value")
	_, err = c.Create(ctx, &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "too-high"}, Value: 2000000000}, metav1.CreateOptions{})
	assertInvalid(t, err, "value")
	_, err = c.Create(ctx, &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "system-mine"}, Value: 1}, metav1.CreateOptions{})
	assertInvalid(t, err, "metadata.name")

	table := getTable(t, "/apis/scheduling.k8s.io/v1/priorityclasses")
	if got := strings.Join(columns(table), ","); got != "Name,Value,Global-Default,Age,PreemptionPolicy" {
		t.Errorf("columns = %s", got)
	}
	if row := rowFor(t, table, "high"); row[1] != float64(1000) || row[2] != false || row[4] != "PreemptLowerPriority" {
		t.Errorf("row = %v", row)
	}
}

func TestRuntimeClass(t *testing.T) {
	c := srv.Client.NodeV1().RuntimeClasses()
	_, err := c.Create(ctx, &nodev1.RuntimeClass{ObjectMeta: metav1.ObjectMeta{Name: "bad"}, Handler: "Not_A_Label"}, metav1.CreateOptions{})
	assertInvalid(t, err, "handler")
	rc, err := c.Create(ctx, &nodev1.RuntimeClass{ObjectMeta: metav1.ObjectMeta{Name: "gvisor"}, Handler: "runsc"}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, rc.Name, metav1.DeleteOptions{}) })
	rc.Handler = "kata"
	_, err = c.Update(ctx, rc, metav1.UpdateOptions{})
	assertInvalid(t, err, "handler")
	table := getTable(t, "/apis/node.k8s.io/v1/runtimeclasses")
	if got := strings.Join(columns(table), ","); got != "Name,Handler,Age" {
		t.Errorf("columns = %s", got)
	}
	if row := rowFor(t, table, "gvisor"); row[1] != "runsc" {
		t.Errorf("row = %v", row)
	}
}
