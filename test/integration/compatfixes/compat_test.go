package compatfixes

import (
	"errors"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"
	typedappsv1 "k8s.io/client-go/kubernetes/typed/apps/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

func causes(t *testing.T, err error) []metav1.StatusCause {
	t.Helper()
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Code != 422 || status.Status().Details == nil {
		t.Fatalf("want a 422 Invalid Status, got %v", err)
	}
	return status.Status().Details.Causes
}

func podTemplate(app string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox:1.37"}}},
	}
}

func TestNodePodCIDRs(t *testing.T) {
	c := srv.Client.CoreV1().Nodes()
	n, err := c.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{GenerateName: "cidr-node-"}, Spec: corev1.NodeSpec{PodCIDR: "10.244.0.0/24"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, n.Name, metav1.DeleteOptions{}) })
	if len(n.Spec.PodCIDRs) != 1 || n.Spec.PodCIDRs[0] != "10.244.0.0/24" {
		t.Errorf("podCIDRs = %v, want [10.244.0.0/24]", n.Spec.PodCIDRs)
	}
	n2, err := c.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{GenerateName: "cidrs-node-"}, Spec: corev1.NodeSpec{PodCIDRs: []string{"10.245.0.0/24"}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, n2.Name, metav1.DeleteOptions{}) })
	if n2.Spec.PodCIDR != "10.245.0.0/24" {
		t.Errorf("podCIDR = %q, want 10.245.0.0/24", n2.Spec.PodCIDR)
	}
}

func TestPersistentVolumeHostPathType(t *testing.T) {
	c := srv.Client.CoreV1().PersistentVolumes()
	pv, err := c.Create(ctx, &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "hostpath-pv-"},
		Spec: corev1.PersistentVolumeSpec{
			AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/mnt/data"}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, pv.Name, metav1.DeleteOptions{}) })
	if tp := pv.Spec.HostPath.Type; tp == nil || *tp != corev1.HostPathUnset {
		t.Errorf("hostPath.type = %v, want \"\"", tp)
	}
}

func TestStatefulSetClaimTemplateTypeMeta(t *testing.T) {
	ns := srv.Namespace(t)
	// The embedded claims' TypeMeta exists in JSON only (protobuf has no
	// field for it), as with upstream.
	cfg := rest.CopyConfig(srv.Config)
	cfg.ContentType, cfg.AcceptContentTypes = "application/json", "application/json"
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := cs.AppsV1().StatefulSets(ns).Create(ctx, &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec: appsv1.StatefulSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			Template: podTemplate("db"),
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
				},
			}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := ss.Spec.VolumeClaimTemplates[0]; v.APIVersion != "v1" || v.Kind != "PersistentVolumeClaim" {
		t.Errorf("claim template TypeMeta = %q %q, want v1 PersistentVolumeClaim", v.APIVersion, v.Kind)
	}
}

func TestCSIDriverDefaultsAndGeneration(t *testing.T) {
	c := srv.Client.StorageV1().CSIDrivers()
	d, err := c.Create(ctx, &storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: "compat-" + utilrand.String(5) + ".csi.example.com"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, d.Name, metav1.DeleteOptions{}) })
	if d.Generation != 0 {
		t.Errorf("generation = %d, want none", d.Generation)
	}
	if p := d.Spec.PreventPodSchedulingIfMissing; p == nil || *p {
		t.Errorf("preventPodSchedulingIfMissing = %v, want false", p)
	}
	d.Spec.PodInfoOnMount = ptr.To(true)
	if d, err = c.Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if d.Generation != 1 {
		t.Errorf("generation after a spec update = %d, want 1", d.Generation)
	}
}

func TestDaemonSetTemplateGeneration(t *testing.T) {
	ns := srv.Namespace(t)
	c := srv.Client.AppsV1().DaemonSets(ns)
	ds, err := c.Create(ctx, &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
			Template: podTemplate("agent"),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g := ds.Annotations[appsv1.DeprecatedTemplateGeneration]; g != "1" {
		t.Errorf("template generation on create = %q, want 1", g)
	}
	managed := false
	for _, m := range ds.ManagedFields {
		managed = managed || strings.Contains(string(m.FieldsV1.Raw), appsv1.DeprecatedTemplateGeneration)
	}
	if !managed {
		t.Errorf("the annotation is not in managedFields (upstream's request manager owns it): %+v", ds.ManagedFields)
	}
	// An update cannot set it; a template change bumps it.
	ds = update(t, c, ds.Name, func(ds *appsv1.DaemonSet) {
		ds.Annotations[appsv1.DeprecatedTemplateGeneration] = "7"
		ds.Spec.Template.Spec.Containers[0].Image = "busybox:1.38"
	})
	if g := ds.Annotations[appsv1.DeprecatedTemplateGeneration]; g != "2" {
		t.Errorf("template generation after a template change = %q, want 2", g)
	}
	ds = update(t, c, ds.Name, func(ds *appsv1.DaemonSet) {
		delete(ds.Annotations, appsv1.DeprecatedTemplateGeneration)
		ds.Spec.MinReadySeconds = 5
	})
	if g := ds.Annotations[appsv1.DeprecatedTemplateGeneration]; g != "2" {
		t.Errorf("template generation after a non-template change = %q, want 2", g)
	}
}

func TestPDBBothSetMessage(t *testing.T) {
	ns := srv.Namespace(t)
	_, err := srv.Client.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "both"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable:   ptr.To(intstr.FromInt32(1)),
			MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}, metav1.CreateOptions{})
	want := `Invalid value: {"MinAvailable":1,"Selector":{"matchLabels":{"app":"web"}},"MaxUnavailable":1,"UnhealthyPodEvictionPolicy":null}: minAvailable and maxUnavailable cannot be both set`
	cs := causes(t, err)
	if len(cs) != 1 || cs[0].Field != "spec" || cs[0].Message != want {
		t.Errorf("causes = %+v, want spec: %s", cs, want)
	}
}

func TestRoleWithoutVerbsMessage(t *testing.T) {
	ns := srv.Namespace(t)
	_, err := srv.Client.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "no-verbs"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}}},
	}, metav1.CreateOptions{})
	cs := causes(t, err)
	if len(cs) != 1 || cs[0].Field != "rules[0].verbs" || cs[0].Message != "Required value" || cs[0].Type != metav1.CauseTypeFieldValueRequired {
		t.Errorf("causes = %+v, want rules[0].verbs: Required value", cs)
	}
}

func TestTokenReviewUnknownToken(t *testing.T) {
	r, err := srv.Client.AuthenticationV1().TokenReviews().Create(ctx, &authenticationv1.TokenReview{
		Spec: authenticationv1.TokenReviewSpec{Token: "not-a-known-token"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status.Authenticated || r.Status.Error != "invalid bearer token" {
		t.Errorf("status = %+v, want authenticated=false error=%q", r.Status, "invalid bearer token")
	}
}

func TestCSIStorageCapacityDefaultTable(t *testing.T) {
	ns := srv.Namespace(t)
	_, err := srv.Client.StorageV1().CSIStorageCapacities(ns).Create(ctx, &storagev1.CSIStorageCapacity{
		ObjectMeta:       metav1.ObjectMeta{Name: "fast-node-1"},
		StorageClassName: "fast",
		Capacity:         ptr.To(resource.MustParse("10Gi")),
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	table := srv.Table(t, "/apis/storage.k8s.io/v1/namespaces/"+ns+"/csistoragecapacities")
	var cols []string
	for _, c := range table.ColumnDefinitions {
		cols = append(cols, c.Name)
	}
	if got := strings.Join(cols, ","); got != "Name,Created At" {
		t.Errorf("columns = %s, want Name,Created At", got)
	}
	if len(table.Rows) != 1 || table.Rows[0].Cells[0] != "fast-node-1" {
		t.Errorf("rows = %+v", table.Rows)
	}
}

// update applies change to the latest DaemonSet, retrying on conflicts (the
// daemonset controller writes its status concurrently).
func update(t *testing.T, c typedappsv1.DaemonSetInterface, name string, change func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
	t.Helper()
	var out *appsv1.DaemonSet
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		ds, err := c.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		change(ds)
		out, err = c.Update(ctx, ds, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
