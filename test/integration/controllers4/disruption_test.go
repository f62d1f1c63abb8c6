package controllers4

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/skiff-k8s/skiff/test/fakenode"
)

func namespace(t *testing.T, prefix string) string {
	t.Helper()
	ns, err := srv.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Client.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{}) })
	return ns.Name
}

func deployment(name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
			},
		},
	}
}

func pdb(name string, sel map[string]string, minAvailable, maxUnavailable *intstr.IntOrString) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: policyv1.PodDisruptionBudgetSpec{
			Selector:       &metav1.LabelSelector{MatchLabels: sel},
			MinAvailable:   minAvailable,
			MaxUnavailable: maxUnavailable,
		},
	}
}

type wantStatus struct {
	healthy, desired, expected, allowed int32
}

// waitPDB waits for the PDB's status to match w, with observedGeneration
// and the DisruptionAllowed condition as upstream sets them.
func waitPDB(t *testing.T, ns, name string, w wantStatus) *policyv1.PodDisruptionBudget {
	t.Helper()
	var last *policyv1.PodDisruptionBudget
	err := fakenode.Wait(ctx, 60*time.Second, func() (bool, error) {
		p, err := srv.Client.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = p
		s := p.Status
		if s.CurrentHealthy != w.healthy || s.DesiredHealthy != w.desired || s.ExpectedPods != w.expected || s.DisruptionsAllowed != w.allowed || s.ObservedGeneration != p.Generation {
			return false, nil
		}
		c := apimeta.FindStatusCondition(s.Conditions, policyv1.DisruptionAllowedCondition)
		if c == nil || c.ObservedGeneration != p.Generation {
			return false, nil
		}
		if w.allowed > 0 {
			return c.Status == metav1.ConditionTrue && c.Reason == policyv1.SufficientPodsReason, nil
		}
		return c.Status == metav1.ConditionFalse && c.Reason == policyv1.InsufficientPodsReason, nil
	})
	if err != nil {
		t.Fatalf("PDB %s status: got %+v, want %+v: %v", name, statusOf(last), w, err)
	}
	return last
}

func statusOf(p *policyv1.PodDisruptionBudget) string {
	if p == nil {
		return "<none>"
	}
	return fmt.Sprintf("%+v", p.Status)
}

// TestPodDisruptionBudgetStatus checks PDB status for a Deployment's pods:
// integer minAvailable counts the matching pods, percentages and
// maxUnavailable are resolved against the Deployment's replicas (rounding
// up), and the status follows scaling and spec changes.
func TestPodDisruptionBudgetStatus(t *testing.T) {
	// Stop the fake node with the test: a node agent still watching keeps
	// the server's shutdown waiting.
	nctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if _, err := fakenode.Start(nctx, srv.Client, "pdb-node"); err != nil {
		t.Fatal(err)
	}
	ns := namespace(t, "pdb-")
	sel := map[string]string{"app": "web"}
	// A PDB created before any pod matches: nothing expected, no
	// disruption allowed.
	if _, err := srv.Client.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, pdb("max", sel, nil, ptr.To(intstr.FromString("25%"))), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitPDB(t, ns, "max", wantStatus{0, 0, 0, 0})

	if _, err := srv.Client.AppsV1().Deployments(ns).Create(ctx, deployment("web", 4), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*policyv1.PodDisruptionBudget{
		pdb("min-int", sel, ptr.To(intstr.FromInt32(5)), nil),
		pdb("min-pct", sel, ptr.To(intstr.FromString("50%")), nil),
		pdb("max-int", sel, nil, ptr.To(intstr.FromInt32(1))),
		pdb("other", map[string]string{"app": "none"}, ptr.To(intstr.FromInt32(1)), nil),
	} {
		if _, err := srv.Client.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// 25% of 4 rounds up to 1: 3 must stay healthy.
	waitPDB(t, ns, "max", wantStatus{healthy: 4, desired: 3, expected: 4, allowed: 1})
	// minAvailable 5 of 4 pods: no disruption allowed.
	waitPDB(t, ns, "min-int", wantStatus{healthy: 4, desired: 5, expected: 4, allowed: 0})
	waitPDB(t, ns, "min-pct", wantStatus{healthy: 4, desired: 2, expected: 4, allowed: 2})
	waitPDB(t, ns, "max-int", wantStatus{healthy: 4, desired: 3, expected: 4, allowed: 1})
	waitPDB(t, ns, "other", wantStatus{healthy: 0, desired: 1, expected: 0, allowed: 0})

	// Scaling the Deployment to 6: 25% of 6 rounds up to 2.
	if _, err := srv.Client.AppsV1().Deployments(ns).Patch(ctx, "web", "application/merge-patch+json", []byte(`{"spec":{"replicas":6}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitPDB(t, ns, "max", wantStatus{healthy: 6, desired: 4, expected: 6, allowed: 2})
	waitPDB(t, ns, "min-pct", wantStatus{healthy: 6, desired: 3, expected: 6, allowed: 3})

	// A spec change bumps the generation; the status follows it.
	p, err := srv.Client.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, "min-int", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Spec.MinAvailable = ptr.To(intstr.FromInt32(2))
	if _, err := srv.Client.PolicyV1().PodDisruptionBudgets(ns).Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	got := waitPDB(t, ns, "min-int", wantStatus{healthy: 6, desired: 2, expected: 6, allowed: 4})
	if got.Generation < 2 {
		t.Errorf("generation %d after a spec change", got.Generation)
	}
}
