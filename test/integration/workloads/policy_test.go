package workloads

import (
	"testing"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/util/retry"
)

func TestPodDisruptionBudget(t *testing.T) {
	ns := newNamespace(t)
	c := srv.Client.PolicyV1().PodDisruptionBudgets(ns)
	pdb, err := c.Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(intstr.FromString("50%")),
			Selector: &metav1.LabelSelector{MatchLabels: labels("web")}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pdb.Generation != 1 {
		t.Errorf("generation %d", pdb.Generation)
	}
	_, err = c.Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "both"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(intstr.FromInt32(1)), MaxUnavailable: ptr(intstr.FromInt32(1))},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "spec")
	_, err = c.Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "pct"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr(intstr.FromString("150%"))},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.maxUnavailable")

	// The disruption controller owns .status (written through /status); an
	// update of the main resource cannot change it, but bumps the generation.
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := c.Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		cur.Status.DisruptionsAllowed = 99
		cur.Spec.MinAvailable = ptr(intstr.FromInt32(1))
		pdb, err = c.Update(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	if err != nil || pdb.Status.DisruptionsAllowed == 99 || pdb.Generation != 2 {
		t.Errorf("update: %v, status %+v generation %d", err, pdb.Status, pdb.Generation)
	}

	row := assertColumns(t, "/apis/policy/v1/namespaces/"+ns+"/poddisruptionbudgets", "Name,Min Available,Max Unavailable,Allowed Disruptions,Age")
	if len(row) == 5 && (row[1] != "1" || row[2] != "N/A") {
		t.Errorf("pdb row %v", row)
	}
}
