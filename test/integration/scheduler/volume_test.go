package scheduler

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func withClaim(p *corev1.Pod, claim string) *corev1.Pod {
	p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}})
	return p
}

func TestBoundVolumeNodeAffinity(t *testing.T) {
	ns := namespace(t)
	addNode(t, "vol-1", nodeSpec{labels: map[string]string{"test-group": "vol"}})
	addNode(t, "vol-2", nodeSpec{labels: map[string]string{"test-group": "vol"}})
	pvName := "sched-local-" + ns
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: pvName},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeSource: corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: "/mnt/disk"}},
			ClaimRef:               &corev1.ObjectReference{Namespace: ns, Name: "data"},
			NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{"vol-2"}}},
			}}}},
		},
	}
	if _, err := srv.Client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.CoreV1().PersistentVolumes().Delete(context.Background(), pvName, metav1.DeleteOptions{})
	})
	empty := ""
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}, VolumeName: pvName, StorageClassName: &empty,
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	if _, err := srv.Client.CoreV1().PersistentVolumeClaims(ns).Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		create(t, ns, withClaim(pinned(pod(name, "", ""), "vol"), "data"))
		if n := scheduled(t, ns, name); n != "vol-2" {
			t.Errorf("pod %s with a volume on vol-2 went to %s", name, n)
		}
	}
	// Only vol-1 is allowed: conflict with the volume's node affinity.
	p := withClaim(pinned(pod("c", "", ""), "vol"), "data")
	p.Spec.NodeName = ""
	p.Spec.NodeSelector[corev1.LabelHostname] = "vol-1"
	create(t, ns, p)
	unschedulable(t, ns, "c", "node(s) didn't match Pod's node affinity/selector")
}

func TestUnboundImmediateClaim(t *testing.T) {
	ns := namespace(t)
	addNode(t, "vol-imm", nodeSpec{labels: map[string]string{"test-group": "volimm"}})
	empty := ""
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "pending"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}, StorageClassName: &empty,
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	if _, err := srv.Client.CoreV1().PersistentVolumeClaims(ns).Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	create(t, ns, withClaim(pinned(pod("p", "", ""), "volimm"), "pending"))
	unschedulable(t, ns, "p", "pod has unbound immediate PersistentVolumeClaims")
	create(t, ns, withClaim(pinned(pod("q", "", ""), "volimm"), "missing"))
	unschedulable(t, ns, "q", `persistentvolumeclaim "missing" not found`)
}

func TestImageLocality(t *testing.T) {
	ns := namespace(t)
	addNode(t, "img-1", nodeSpec{labels: map[string]string{"test-group": "img"}})
	n := addNode(t, "img-2", nodeSpec{labels: map[string]string{"test-group": "img"}})
	n.Status.Images = []corev1.ContainerImage{{Names: []string{"example.com/big:1.0"}, SizeBytes: 800 * 1024 * 1024}}
	if _, err := srv.Client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "image reported", func() (bool, string) {
		got, err := srv.Client.CoreV1().Nodes().Get(ctx, "img-2", metav1.GetOptions{})
		return err == nil && len(got.Status.Images) == 1, "no image"
	})
	for _, name := range []string{"i1", "i2"} {
		p := pinned(pod(name, "", ""), "img")
		p.Spec.Containers[0].Image = "example.com/big:1.0"
		create(t, ns, p)
		if got := scheduled(t, ns, name); got != "img-2" {
			t.Errorf("pod %s went to %s, want img-2 which has its 800MB image", name, got)
		}
	}
}
