// Package admission tests skiff's default admission plugins against a real
// in-process server, asserting what a user of client-go sees: the defaults
// the mutating plugins add and the 403 messages of the validating ones, as
// kube-apiserver's.
package admission

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/skiff-k8s/skiff/test/testserver"
)

var srv *testserver.Server

func TestMain(m *testing.M) { testserver.Main(m, &srv) }

var ctx = context.Background()

// newNamespace creates a namespace (with labels) for one test.
func newNamespace(t *testing.T, labels map[string]string) string {
	t.Helper()
	ns, err := srv.Client.CoreV1().Namespaces().Create(ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "admission-", Labels: labels}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}

// pod is a minimal pod with one container.
func pod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
}

// assertForbidden checks err is a 403 Forbidden Status with exactly msg.
func assertForbidden(t *testing.T, err error, msg string) {
	t.Helper()
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		t.Fatalf("want a 403 Status error, got %v", err)
	}
	s := status.Status()
	if s.Code != 403 || s.Reason != metav1.StatusReasonForbidden {
		t.Fatalf("want 403 Forbidden, got %d %s: %s", s.Code, s.Reason, s.Message)
	}
	if s.Message != msg {
		t.Fatalf("message:\n got %q\nwant %q", s.Message, msg)
	}
}

// eventually polls cond until it holds (or fails the test after 30s).
func eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return cond()
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}
