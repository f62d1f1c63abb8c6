package workloads

import (
	"encoding/json"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/util/retry"
)

func newDeployment(name string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels(name)},
			Template: podTemplate(name),
		},
	}
}

func TestDeploymentDefaults(t *testing.T) {
	ns := newNamespace(t)
	d, err := srv.Client.AppsV1().Deployments(ns).Create(ctx, newDeployment("web"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := d.Spec
	if *s.Replicas != 1 || *s.RevisionHistoryLimit != 10 || *s.ProgressDeadlineSeconds != 600 {
		t.Errorf("replicas %d revisionHistoryLimit %d progressDeadlineSeconds %d", *s.Replicas, *s.RevisionHistoryLimit, *s.ProgressDeadlineSeconds)
	}
	if s.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || s.Strategy.RollingUpdate == nil ||
		s.Strategy.RollingUpdate.MaxSurge.String() != "25%" || s.Strategy.RollingUpdate.MaxUnavailable.String() != "25%" {
		t.Errorf("strategy %+v", s.Strategy)
	}
	if d.Generation != 1 {
		t.Errorf("generation %d, want 1", d.Generation)
	}

	// A spec change bumps the generation; status written with the object is dropped.
	d.Spec.Template.Spec.Containers[0].Image = "nginx:1.28"
	d.Status.Replicas = 7
	d, err = srv.Client.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Generation != 2 || d.Status.Replicas != 0 {
		t.Errorf("after update generation %d status.replicas %d", d.Generation, d.Status.Replicas)
	}

	row := assertColumns(t, "/apis/apps/v1/namespaces/"+ns+"/deployments", "Name,Ready,Up-to-date,Available,Age,Containers,Images,Selector")
	if len(row) == 8 && (row[0] != "web" || row[1] != "0/1" || row[5] != "c" || row[6] != "nginx:1.28" || row[7] != "app=web") {
		t.Errorf("deployment row %v", row)
	}
}

func TestDeploymentValidation(t *testing.T) {
	ns := newNamespace(t)
	c := srv.Client.AppsV1().Deployments(ns)

	bad := newDeployment("mismatch")
	bad.Spec.Template.Labels = labels("other")
	_, err := c.Create(ctx, bad, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.template.metadata.labels")

	noSel := newDeployment("nosel")
	noSel.Spec.Selector = nil
	_, err = c.Create(ctx, noSel, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.selector")

	zero := newDeployment("zero")
	zero.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
		MaxSurge: ptr(intstr.FromInt32(0)), MaxUnavailable: ptr(intstr.FromInt32(0))}}
	_, err = c.Create(ctx, zero, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.strategy.rollingUpdate.maxUnavailable")

	neg := newDeployment("neg")
	neg.Spec.Replicas = ptr[int32](-1)
	_, err = c.Create(ctx, neg, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.replicas")

	d, err := c.Create(ctx, newDeployment("good"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "good", "tier": "x"}}
	d.Spec.Template.Labels = d.Spec.Selector.MatchLabels
	_, err = c.Update(ctx, d, metav1.UpdateOptions{})
	assertInvalid(t, err, "spec.selector")
}

func TestDeploymentScale(t *testing.T) {
	ns := newNamespace(t)
	c := srv.Client.AppsV1().Deployments(ns)
	if _, err := c.Create(ctx, newDeployment("web"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	sc, err := c.GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Spec.Replicas != 1 || sc.Status.Selector != "app=web" || sc.Name != "web" {
		t.Errorf("scale %+v", sc)
	}
	sc.Spec.Replicas = 5
	sc, err = c.UpdateScale(ctx, "web", sc, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Spec.Replicas != 5 {
		t.Errorf("updated scale replicas %d", sc.Spec.Replicas)
	}
	d, err := c.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 5 || d.Generation != 2 {
		t.Errorf("deployment replicas %d generation %d after scale", *d.Spec.Replicas, d.Generation)
	}

	// kubectl scale patches the subresource.
	patch := []byte(`{"spec":{"replicas":3}}`)
	if _, err := c.Patch(ctx, "web", types.MergePatchType, patch, metav1.PatchOptions{}, "scale"); err != nil {
		t.Fatal(err)
	}
	if d, _ = c.Get(ctx, "web", metav1.GetOptions{}); *d.Spec.Replicas != 3 {
		t.Errorf("replicas %d after scale patch", *d.Spec.Replicas)
	}

	sc.Spec.Replicas = -1
	sc.ResourceVersion = ""
	_, err = c.UpdateScale(ctx, "web", sc, metav1.UpdateOptions{})
	assertInvalid(t, err, "spec.replicas")

	// The response is an autoscaling/v1 Scale.
	raw, err := srv.Client.AppsV1().RESTClient().Get().Namespace(ns).Resource("deployments").Name("web").SubResource("scale").DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var tm metav1.TypeMeta
	_ = json.Unmarshal(raw, &tm)
	if tm.APIVersion != autoscalingv1.SchemeGroupVersion.String() || tm.Kind != "Scale" {
		t.Errorf("scale is %s %s", tm.APIVersion, tm.Kind)
	}
}

func TestDeploymentStatus(t *testing.T) {
	ns := newNamespace(t)
	c := srv.Client.AppsV1().Deployments(ns)
	d, err := c.Create(ctx, newDeployment("web"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.Status.Replicas, d.Status.ReadyReplicas = 1, 1
	d.Spec.Replicas = ptr[int32](9)
	d, err = c.UpdateStatus(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status.ReadyReplicas != 1 || *d.Spec.Replicas != 1 || d.Generation != 1 {
		t.Errorf("after status update: ready %d replicas %d generation %d", d.Status.ReadyReplicas, *d.Spec.Replicas, d.Generation)
	}
	d.Status.ReadyReplicas = 2
	_, err = c.UpdateStatus(ctx, d, metav1.UpdateOptions{})
	assertInvalid(t, err, "status.readyReplicas")
}

func TestStatefulSetDefaults(t *testing.T) {
	ns := newNamespace(t)
	c := srv.Client.AppsV1().StatefulSets(ns)
	s, err := c.Create(ctx, &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec: appsv1.StatefulSetSpec{
			ServiceName: "db",
			Selector:    &metav1.LabelSelector{MatchLabels: labels("db")},
			Template:    podTemplate("db"),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sp := s.Spec
	if sp.PodManagementPolicy != appsv1.OrderedReadyPodManagement || *sp.Replicas != 1 || *sp.RevisionHistoryLimit != 10 {
		t.Errorf("spec %+v", sp)
	}
	if sp.UpdateStrategy.Type != appsv1.RollingUpdateStatefulSetStrategyType || sp.UpdateStrategy.RollingUpdate == nil ||
		*sp.UpdateStrategy.RollingUpdate.Partition != 0 {
		t.Errorf("updateStrategy %+v", sp.UpdateStrategy)
	}
	if p := sp.PersistentVolumeClaimRetentionPolicy; p == nil || p.WhenDeleted != appsv1.RetainPersistentVolumeClaimRetentionPolicyType || p.WhenScaled != appsv1.RetainPersistentVolumeClaimRetentionPolicyType {
		t.Errorf("retention policy %+v", p)
	}
	sc, err := c.GetScale(ctx, "db", metav1.GetOptions{})
	if err != nil || sc.Status.Selector != "app=db" {
		t.Fatalf("scale %+v %v", sc, err)
	}

	s.Spec.ServiceName = "other"
	_, err = c.Update(ctx, s, metav1.UpdateOptions{})
	assertInvalid(t, err, "spec.serviceName")

	_, err = c.Create(ctx, &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "Bad.Name"},
		Spec:       appsv1.StatefulSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels("x")}, Template: podTemplate("x")},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "metadata.name")

	row := assertColumns(t, "/apis/apps/v1/namespaces/"+ns+"/statefulsets", "Name,Ready,Age,Containers,Images")
	if len(row) == 5 && row[1] != "0/1" {
		t.Errorf("statefulset row %v", row)
	}
}

func TestDaemonSetDefaults(t *testing.T) {
	ns := newNamespace(t)
	c := srv.Client.AppsV1().DaemonSets(ns)
	ds, err := c.Create(ctx, &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent"},
		Spec:       appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels("agent")}, Template: podTemplate("agent")},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	us := ds.Spec.UpdateStrategy
	if us.Type != appsv1.RollingUpdateDaemonSetStrategyType || us.RollingUpdate == nil ||
		us.RollingUpdate.MaxUnavailable.String() != "1" || us.RollingUpdate.MaxSurge.String() != "0" || *ds.Spec.RevisionHistoryLimit != 10 {
		t.Errorf("daemonset spec %+v", ds.Spec)
	}
	_, err = c.Create(ctx, &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "bad"},
		Spec:       appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels("bad")}, Template: podTemplate("other")},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.template.metadata.labels")
	assertColumns(t, "/apis/apps/v1/namespaces/"+ns+"/daemonsets",
		"Name,Desired,Current,Ready,Up-to-date,Available,Node Selector,Age,Containers,Images,Selector")
}

func TestReplicaSetScale(t *testing.T) {
	ns := newNamespace(t)
	c := srv.Client.AppsV1().ReplicaSets(ns)
	rs, err := c.Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "rs"},
		Spec:       appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels("rs")}, Template: podTemplate("rs")},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *rs.Spec.Replicas != 1 {
		t.Errorf("replicas %d", *rs.Spec.Replicas)
	}
	// The replicaset controller writes the status meanwhile: retry a conflict.
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sc, err := c.GetScale(ctx, "rs", metav1.GetOptions{})
		if err != nil {
			return err
		}
		sc.Spec.Replicas = 4
		_, err = c.UpdateScale(ctx, "rs", sc, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if rs, _ = c.Get(ctx, "rs", metav1.GetOptions{}); *rs.Spec.Replicas != 4 {
		t.Errorf("replicas %d after scale", *rs.Spec.Replicas)
	}
	row := assertColumns(t, "/apis/apps/v1/namespaces/"+ns+"/replicasets", "Name,Desired,Current,Ready,Age,Containers,Images,Selector")
	if len(row) == 8 && fmt.Sprint(row[1]) != "4" {
		t.Errorf("replicaset row %v", row)
	}
}

func TestControllerRevision(t *testing.T) {
	ns := newNamespace(t)
	// A real owner: the garbage collector removes revisions whose owner
	// does not exist, as upstream's does.
	owner, err := srv.Client.AppsV1().StatefulSets(ns).Create(ctx, &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec: appsv1.StatefulSetSpec{
			ServiceName: "db",
			Selector:    &metav1.LabelSelector{MatchLabels: labels("db")},
			Template:    podTemplate("db"),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client.AppsV1().ControllerRevisions(ns)
	_, err = c.Create(ctx, &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: "rev", OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db", UID: owner.UID, Controller: ptr(true)}}},
		Data:     runtime.RawExtension{Raw: []byte(`{"spec":{}}`)},
		Revision: 2,
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Create(ctx, &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: "nodata"}, Revision: 1}, metav1.CreateOptions{})
	assertInvalid(t, err, "data")
	row := assertColumns(t, "/apis/apps/v1/namespaces/"+ns+"/controllerrevisions/rev", "Name,Controller,Revision,Age")
	if len(row) == 4 && (row[1] != "statefulset.apps/db" || fmt.Sprint(row[2]) != "2") {
		t.Errorf("controllerrevision row %v", row)
	}
}
