package controllers

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func newDeployment(name string, replicas int32, image string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels(name)},
			Template: podTemplate(name, image),
		},
	}
}

func condition(d *appsv1.Deployment, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == t {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

// waitComplete waits until d is rolled out: all replicas updated and
// available, and Progressing=True NewReplicaSetAvailable.
func waitComplete(t *testing.T, ns, name string) *appsv1.Deployment {
	t.Helper()
	var d *appsv1.Deployment
	eventually(t, "deployment "+name+" complete", func() (bool, string) {
		var err error
		d, err = srv.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		s := d.Status
		p := condition(d, appsv1.DeploymentProgressing)
		got := fmt.Sprintf("%+v", s)
		n := *d.Spec.Replicas
		return s.ObservedGeneration == d.Generation && s.Replicas == n && s.UpdatedReplicas == n && s.AvailableReplicas == n &&
			s.ReadyReplicas == n && p != nil && p.Reason == "NewReplicaSetAvailable", got
	})
	return d
}

// waitEvent waits for an event about kind/name with reason and a message
// starting with msg.
func waitEvent(t *testing.T, ns, kind, name, reason, msg string) {
	t.Helper()
	eventually(t, "event "+reason, func() (bool, string) {
		l, err := srv.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		var seen []string
		for _, e := range l.Items {
			if e.InvolvedObject.Kind == kind && e.InvolvedObject.Name == name && e.Reason == reason && strings.HasPrefix(e.Message, msg) && e.Type == corev1.EventTypeNormal {
				return true, ""
			}
			seen = append(seen, e.InvolvedObject.Kind+"/"+e.InvolvedObject.Name+" "+e.Reason+": "+e.Message)
		}
		return false, strings.Join(seen, "\n")
	})
}

func ownedReplicaSets(t *testing.T, ns string, d *appsv1.Deployment) []appsv1.ReplicaSet {
	t.Helper()
	l, err := srv.Client.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []appsv1.ReplicaSet
	for _, rs := range l.Items {
		if ref := metav1.GetControllerOf(&rs); ref != nil && ref.UID == d.UID {
			out = append(out, rs)
		}
	}
	return out
}

func TestDeploymentRollingUpdate(t *testing.T) {
	ns := newNamespace(t)
	d, err := srv.Client.AppsV1().Deployments(ns).Create(ctx, newDeployment("web", 3, "nginx:1.26"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d = waitComplete(t, ns, "web")
	if d.Annotations["deployment.kubernetes.io/revision"] != "1" {
		t.Errorf("deployment revision annotation = %q", d.Annotations["deployment.kubernetes.io/revision"])
	}
	a, p := condition(d, appsv1.DeploymentAvailable), condition(d, appsv1.DeploymentProgressing)
	if a == nil || a.Status != corev1.ConditionTrue || a.Reason != "MinimumReplicasAvailable" || a.Message != "Deployment has minimum availability." {
		t.Errorf("Available condition %+v", a)
	}
	rss := ownedReplicaSets(t, ns, d)
	if len(rss) != 1 {
		t.Fatalf("%d replica sets", len(rss))
	}
	rs := rss[0]
	hash := rs.Labels["pod-template-hash"]
	if hash == "" || rs.Name != "web-"+hash || rs.Spec.Selector.MatchLabels["pod-template-hash"] != hash || rs.Spec.Template.Labels["pod-template-hash"] != hash {
		t.Errorf("replica set %s labels %v selector %v", rs.Name, rs.Labels, rs.Spec.Selector)
	}
	if p == nil || p.Status != corev1.ConditionTrue || p.Message != fmt.Sprintf("ReplicaSet %q has successfully progressed.", rs.Name) {
		t.Errorf("Progressing condition %+v", p)
	}
	for k, v := range map[string]string{"deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": "3", "deployment.kubernetes.io/max-replicas": "4"} {
		if rs.Annotations[k] != v {
			t.Errorf("replica set annotation %s = %q, want %q", k, rs.Annotations[k], v)
		}
	}
	waitEvent(t, ns, "Deployment", "web", "ScalingReplicaSet", fmt.Sprintf("Scaled up replica set %s from 0 to 3", rs.Name))
	waitEvent(t, ns, "ReplicaSet", rs.Name, "SuccessfulCreate", "Created pod: "+rs.Name+"-")
	for _, pod := range activePods(listPods(t, ns, "app=web")) {
		if pod.Labels["pod-template-hash"] != hash || !strings.HasPrefix(pod.Name, rs.Name+"-") {
			t.Errorf("pod %s labels %v", pod.Name, pod.Labels)
		}
	}

	// Roll out a new image.
	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}}}`)
	if _, err := srv.Client.AppsV1().Deployments(ns).Patch(ctx, "web", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	d = waitComplete(t, ns, "web")
	if d.Annotations["deployment.kubernetes.io/revision"] != "2" {
		t.Errorf("revision after update = %q", d.Annotations["deployment.kubernetes.io/revision"])
	}
	eventually(t, "old replica set scaled to zero", func() (bool, string) {
		rss := ownedReplicaSets(t, ns, d)
		if len(rss) != 2 {
			return false, fmt.Sprintf("%d replica sets", len(rss))
		}
		for _, rs := range rss {
			want := int32(0)
			if rs.Spec.Template.Spec.Containers[0].Image == "nginx:1.27" {
				want = 3
			}
			if *rs.Spec.Replicas != want || rs.Status.Replicas != want {
				return false, fmt.Sprintf("%s spec %d status %d", rs.Name, *rs.Spec.Replicas, rs.Status.Replicas)
			}
		}
		return true, ""
	})
	eventually(t, "only new pods", func() (bool, string) {
		pods := listPods(t, ns, "app=web")
		for _, p := range pods {
			if p.Spec.Containers[0].Image != "nginx:1.27" {
				return false, "old pod " + p.Name
			}
		}
		return len(pods) == 3, fmt.Sprintf("%d pods", len(pods))
	})
}

func TestDeploymentRecreate(t *testing.T) {
	ns := newNamespace(t)
	dep := newDeployment("db", 2, "postgres:16")
	dep.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	if _, err := srv.Client.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	d := waitComplete(t, ns, "db")
	// Available with maxUnavailable 0 for Recreate.
	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"postgres:17"}]}}}}`)
	if _, err := srv.Client.AppsV1().Deployments(ns).Patch(ctx, "db", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	d = waitComplete(t, ns, "db")
	rss := ownedReplicaSets(t, ns, d)
	if len(rss) != 2 {
		t.Fatalf("%d replica sets", len(rss))
	}
	if d.Annotations["deployment.kubernetes.io/revision"] != "2" {
		t.Errorf("revision = %q", d.Annotations["deployment.kubernetes.io/revision"])
	}
	for _, rs := range rss {
		if rs.Annotations["deployment.kubernetes.io/max-replicas"] != "2" {
			t.Errorf("%s max-replicas = %q (no surge with Recreate)", rs.Name, rs.Annotations["deployment.kubernetes.io/max-replicas"])
		}
	}
}

func TestDeploymentProgressDeadlineAndPause(t *testing.T) {
	ns := newNamespace(t)
	node.NotReady.Store(true)
	defer func() { node.NotReady.Store(false); node.Resync() }()
	dep := newDeployment("slow", 2, "nginx")
	dep.Spec.ProgressDeadlineSeconds = ptr(int32(1))
	dep.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: ptr(intstr.FromInt32(0)), MaxSurge: ptr(intstr.FromInt32(1))}}
	if _, err := srv.Client.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var d *appsv1.Deployment
	eventually(t, "progress deadline exceeded", func() (bool, string) {
		var err error
		d, err = srv.Client.AppsV1().Deployments(ns).Get(ctx, "slow", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		p := condition(d, appsv1.DeploymentProgressing)
		return p != nil && p.Reason == "ProgressDeadlineExceeded", fmt.Sprintf("%+v", d.Status.Conditions)
	})
	rs := ownedReplicaSets(t, ns, d)[0]
	p := condition(d, appsv1.DeploymentProgressing)
	if p.Status != corev1.ConditionFalse || p.Message != fmt.Sprintf("ReplicaSet %q has timed out progressing.", rs.Name) {
		t.Errorf("Progressing %+v", p)
	}
	a := condition(d, appsv1.DeploymentAvailable)
	if a == nil || a.Status != corev1.ConditionFalse || a.Reason != "MinimumReplicasUnavailable" || a.Message != "Deployment does not have minimum availability." {
		t.Errorf("Available %+v", a)
	}
	if d.Status.UnavailableReplicas != 2 || d.Status.AvailableReplicas != 0 || d.Status.Replicas != 2 {
		t.Errorf("status %+v", d.Status)
	}
	out, errOut, err := kubectl(t, "", "-n", ns, "rollout", "status", "deployment/slow", "--timeout=20s")
	if err == nil || !strings.Contains(errOut, `deployment "slow" exceeded its progress deadline`) {
		t.Errorf("rollout status of a timed-out deployment: err %v\n%s%s", err, out, errOut)
	}

	// Pausing and resuming show in the Progressing condition.
	contains(t, "pause", ok(t, "-n", ns, "rollout", "pause", "deployment/slow"), "deployment.apps/slow paused")
	// A timed-out deployment keeps its condition while paused, as upstream.
	node.NotReady.Store(false)
	node.Resync()
	contains(t, "resume", ok(t, "-n", ns, "rollout", "resume", "deployment/slow"), "deployment.apps/slow resumed")
	d = waitComplete(t, ns, "slow")
	if p := condition(d, appsv1.DeploymentProgressing); p.Status != corev1.ConditionTrue || p.Message != fmt.Sprintf("ReplicaSet %q has successfully progressed.", rs.Name) {
		t.Errorf("Progressing after recovery %+v", p)
	}
}

func TestDeploymentPausedConditions(t *testing.T) {
	ns := newNamespace(t)
	dep := newDeployment("paused", 1, "nginx")
	dep.Spec.Paused = true
	if _, err := srv.Client.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "paused condition", func() (bool, string) {
		d, err := srv.Client.AppsV1().Deployments(ns).Get(ctx, "paused", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		p := condition(d, appsv1.DeploymentProgressing)
		return p != nil && p.Status == corev1.ConditionUnknown && p.Reason == "DeploymentPaused" && p.Message == "Deployment is paused" &&
			d.Status.ObservedGeneration == d.Generation, fmt.Sprintf("%+v", d.Status)
	})
	d, _ := srv.Client.AppsV1().Deployments(ns).Get(ctx, "paused", metav1.GetOptions{})
	if rss := ownedReplicaSets(t, ns, d); len(rss) != 0 {
		t.Errorf("a paused deployment created %d replica sets", len(rss))
	}
	ok(t, "-n", ns, "rollout", "resume", "deployment/paused")
	waitComplete(t, ns, "paused")
}

func TestKubectlRollout(t *testing.T) {
	ns := newNamespace(t)
	manifest := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: ` + ns + `
spec:
  replicas: 2
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
      - name: c
        image: nginx:1.25
`
	contains(t, "apply", okIn(t, manifest, "apply", "-f", "-"), "deployment.apps/app created")
	out := ok(t, "-n", ns, "rollout", "status", "deployment/app", "--timeout=60s")
	contains(t, "rollout status", out, `deployment "app" successfully rolled out`)

	contains(t, "set image", ok(t, "-n", ns, "set", "image", "deployment/app", "c=nginx:1.26"), "deployment.apps/app image updated")
	ok(t, "-n", ns, "annotate", "deployment/app", "kubernetes.io/change-cause=upgrade to 1.26")
	contains(t, "rollout status 2", ok(t, "-n", ns, "rollout", "status", "deployment/app", "--timeout=60s"), `deployment "app" successfully rolled out`)

	out = ok(t, "-n", ns, "rollout", "history", "deployment/app")
	contains(t, "history", out, "deployment.apps/app", "REVISION  CHANGE-CAUSE")
	if !regexp.MustCompile(`(?m)^1\s+<none>$`).MatchString(out) || !regexp.MustCompile(`(?m)^2\s+upgrade to 1.26$`).MatchString(out) {
		t.Errorf("history:\n%s", out)
	}
	out = ok(t, "-n", ns, "rollout", "history", "deployment/app", "--revision=1")
	contains(t, "history revision 1", out, "nginx:1.25", "pod-template-hash=")

	// Undo to revision 1: the old ReplicaSet becomes revision 3.
	contains(t, "undo", ok(t, "-n", ns, "rollout", "undo", "deployment/app"), "deployment.apps/app rolled back")
	ok(t, "-n", ns, "rollout", "status", "deployment/app", "--timeout=60s")
	d := waitComplete(t, ns, "app")
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "nginx:1.25" {
		t.Errorf("image after undo = %s", img)
	}
	if d.Annotations["deployment.kubernetes.io/revision"] != "3" {
		t.Errorf("revision after undo = %q", d.Annotations["deployment.kubernetes.io/revision"])
	}
	var old *appsv1.ReplicaSet
	eventually(t, "revision 3 on the first replica set", func() (bool, string) {
		for _, rs := range ownedReplicaSets(t, ns, d) {
			if rs.Spec.Template.Spec.Containers[0].Image == "nginx:1.25" {
				old = &rs
				return rs.Annotations["deployment.kubernetes.io/revision"] == "3", fmt.Sprintf("%v", rs.Annotations)
			}
		}
		return false, "no replica set"
	})
	if h := old.Annotations["deployment.kubernetes.io/revision-history"]; h != "1" {
		t.Errorf("revision-history = %q, want 1", h)
	}
	out = ok(t, "-n", ns, "rollout", "history", "deployment/app")
	if !regexp.MustCompile(`(?m)^2\s+upgrade to 1.26$`).MatchString(out) || !regexp.MustCompile(`(?m)^3\s+`).MatchString(out) || regexp.MustCompile(`(?m)^1\s+`).MatchString(out) {
		t.Errorf("history after undo:\n%s", out)
	}
	// kubectl get shows the deployment's columns filled by the controller.
	out = ok(t, "-n", ns, "get", "deployment", "app", "-o", "wide")
	if !regexp.MustCompile(`(?m)^app\s+2/2\s+2\s+2\s+\S+\s+c\s+nginx:1.25\s+app=app$`).MatchString(out) {
		t.Errorf("get deployment -o wide:\n%s", out)
	}
	out = ok(t, "-n", ns, "get", "rs", "-o", "wide")
	if !regexp.MustCompile(`(?m)^app-\S+\s+2\s+2\s+2\s+`).MatchString(out) || !regexp.MustCompile(`(?m)^app-\S+\s+0\s+0\s+0\s+`).MatchString(out) {
		t.Errorf("get rs:\n%s", out)
	}
}

func TestKubectlScale(t *testing.T) {
	ns := newNamespace(t)
	if _, err := srv.Client.AppsV1().Deployments(ns).Create(ctx, newDeployment("sc", 1, "nginx"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitComplete(t, ns, "sc")
	contains(t, "scale up", ok(t, "-n", ns, "scale", "deployment/sc", "--replicas=4"), "deployment.apps/sc scaled")
	d := waitComplete(t, ns, "sc")
	if d.Status.Replicas != 4 {
		t.Errorf("replicas %d", d.Status.Replicas)
	}
	rss := ownedReplicaSets(t, ns, d)
	if len(rss) != 1 || *rss[0].Spec.Replicas != 4 || rss[0].Annotations["deployment.kubernetes.io/desired-replicas"] != "4" || rss[0].Annotations["deployment.kubernetes.io/max-replicas"] != "5" {
		t.Errorf("replica sets after scale: %+v", rss)
	}
	contains(t, "scale down", ok(t, "-n", ns, "scale", "deployment/sc", "--replicas=2", "--current-replicas=4"), "deployment.apps/sc scaled")
	waitComplete(t, ns, "sc")
	eventually(t, "two pods", func() (bool, string) {
		n := len(listPods(t, ns, "app=sc"))
		return n == 2, fmt.Sprintf("%d pods", n)
	})
	// kubectl scale on a replica set too.
	rsName := rss[0].Name
	contains(t, "scale rs", ok(t, "-n", ns, "scale", "rs/"+rsName, "--replicas=3"), "replicaset.apps/"+rsName+" scaled")
	// The deployment owns the replica set and sets it back.
	eventually(t, "deployment restores its replica set size", func() (bool, string) {
		rs, err := srv.Client.AppsV1().ReplicaSets(ns).Get(ctx, rsName, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return *rs.Spec.Replicas == 2 && rs.Status.Replicas == 2, fmt.Sprintf("spec %d status %d", *rs.Spec.Replicas, rs.Status.Replicas)
	})
}

func TestDeploymentProportionalScaling(t *testing.T) {
	ns := newNamespace(t)
	dep := newDeployment("prop", 10, "nginx:1")
	dep.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: ptr(intstr.FromInt32(3)), MaxUnavailable: ptr(intstr.FromInt32(2))}
	if _, err := srv.Client.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitComplete(t, ns, "prop")
	// Pause mid-rollout: pods of the new template never get ready.
	node.NotReady.Store(true)
	defer func() { node.NotReady.Store(false); node.Resync() }()
	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:2"}]}}}}`)
	if _, err := srv.Client.AppsV1().Deployments(ns).Patch(ctx, "prop", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	var d *appsv1.Deployment
	eventually(t, "rollout stuck at 13 replicas", func() (bool, string) {
		d, _ = srv.Client.AppsV1().Deployments(ns).Get(ctx, "prop", metav1.GetOptions{})
		rss := ownedReplicaSets(t, ns, d)
		sizes := map[string]int32{}
		for _, rs := range rss {
			sizes[rs.Spec.Template.Spec.Containers[0].Image] = *rs.Spec.Replicas
		}
		return len(rss) == 2 && sizes["nginx:1"] == 8 && sizes["nginx:2"] == 5, fmt.Sprint(sizes)
	})
	ok(t, "-n", ns, "rollout", "pause", "deployment/prop")
	ok(t, "-n", ns, "scale", "deployment/prop", "--replicas=20")
	// 13 pods spread 8:5 become 23 (20 + maxSurge 3 at ... ) in proportion: 8 -> 14, 5 -> 9.
	eventually(t, "proportional scale", func() (bool, string) {
		rss := ownedReplicaSets(t, ns, d)
		sizes := map[string]int32{}
		for _, rs := range rss {
			sizes[rs.Spec.Template.Spec.Containers[0].Image] = *rs.Spec.Replicas
		}
		return sizes["nginx:1"]+sizes["nginx:2"] == 23 && sizes["nginx:1"] == 14 && sizes["nginx:2"] == 9, fmt.Sprint(sizes)
	})
}
