package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

func TestSystemNamespacesExistAtStart(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		ns, err := srv.Client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("namespace %s: %v", name, err)
		}
		if ns.Status.Phase != corev1.NamespaceActive {
			t.Errorf("%s phase = %q, want Active", name, ns.Status.Phase)
		}
		if ns.Labels[corev1.LabelMetadataName] != name {
			t.Errorf("%s label %s = %q", name, corev1.LabelMetadataName, ns.Labels[corev1.LabelMetadataName])
		}
		if len(ns.Spec.Finalizers) != 1 || ns.Spec.Finalizers[0] != corev1.FinalizerKubernetes {
			t.Errorf("%s finalizers = %v, want [kubernetes]", name, ns.Spec.Finalizers)
		}
	}
}

func TestCreateInMissingNamespaceIsNotFound(t *testing.T) {
	_, err := srv.Client.CoreV1().ConfigMaps("no-such-ns").Create(context.Background(),
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, metav1.CreateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("want 404 NotFound, got %v", err)
	}
	if got := err.Error(); got != `namespaces "no-such-ns" not found` {
		t.Errorf("message = %q", got)
	}
}

func TestNamespaceDeletionRemovesContent(t *testing.T) {
	ctx := context.Background()
	c := srv.Client.CoreV1()
	ns, err := c.Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "doomed"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConfigMaps(ns.Name).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Secrets(ns.Name).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// While terminating, nothing new may be created in it. Admission reads
	// namespaces from an informer, so the refusal follows the delete
	// within moments (as upstream); wait for it.
	refused := false
	var lastErr error
	_ = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := c.Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil // already gone: nothing left to check
		}
		if err == nil && (got.Status.Phase != corev1.NamespaceTerminating || got.DeletionTimestamp == nil) {
			t.Errorf("after delete: phase %q deletionTimestamp %v", got.Status.Phase, got.DeletionTimestamp)
			return true, nil
		}
		_, lastErr = c.ConfigMaps(ns.Name).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "late-"}}, metav1.CreateOptions{})
		if apierrors.IsForbidden(lastErr) || apierrors.IsNotFound(lastErr) {
			refused = true
			return true, nil
		}
		return false, nil
	})
	if !refused {
		if _, err := c.Namespaces().Get(ctx, ns.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("creates in the terminating namespace were never refused; last: %v", lastErr)
		}
	}
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := c.Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatalf("namespace was not removed: %v", err)
	}
	cms, err := c.ConfigMaps(ns.Name).List(ctx, metav1.ListOptions{})
	if err != nil || len(cms.Items) != 0 {
		t.Errorf("configmaps left in deleted namespace: %v %v", cms, err)
	}
}

func TestNamespaceNameMustBeDNSLabel(t *testing.T) {
	_, err := srv.Client.CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "Not_A_Label"}}, metav1.CreateOptions{})
	assertInvalid(t, err, "metadata.name")
}

func TestNewNamespaceGetsDefaultServiceAccountAndRootCA(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		_, saErr := srv.Client.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		cm, cmErr := srv.Client.CoreV1().ConfigMaps(ns).Get(ctx, "kube-root-ca.crt", metav1.GetOptions{})
		return saErr == nil && cmErr == nil && strings.Contains(cm.Data["ca.crt"], "BEGIN CERTIFICATE"), nil
	})
	if err != nil {
		t.Fatalf("default ServiceAccount or kube-root-ca.crt missing: %v", err)
	}
	// A deleted default ServiceAccount comes back.
	if err := srv.Client.CoreV1().ServiceAccounts(ns).Delete(ctx, "default", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := srv.Client.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("default ServiceAccount not recreated: %v", err)
	}
}
