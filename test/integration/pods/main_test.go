// Package pods tests pods, their subresources, podtemplates and
// replicationcontrollers against a real in-process skiff server, asserting
// what a user of kubectl or client-go sees.
package pods

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/server"
	"github.com/skiff-k8s/skiff/test/testserver"
)

var srv *testserver.Server

// The pods tests exercise the API server's pod, pod template and
// replication controller semantics (they bind pods, write status and
// update from stale copies), so they run without the scheduler and the
// controllers, as upstream's apiserver integration tests do.
func TestMain(m *testing.M) {
	testserver.MainWith(m, &srv, server.Options{DisableScheduler: true, DisableControllers: true})
}

// newNamespace makes a namespace with the default ServiceAccount pods
// need (its controller does not run here).
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := srv.Namespace(t)
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	if _, err := srv.Client.CoreV1().ServiceAccounts(ns).Create(context.Background(), sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return ns
}

// assertInvalid checks err is a 422 Invalid Status with a cause for field
// (and, if msg is not empty, a message containing msg).
func assertInvalid(t *testing.T, err error, field, msg string) {
	t.Helper()
	testserver.AssertInvalid(t, err, field, msg)
}

func getTable(t *testing.T, path string) *metav1.Table { return srv.Table(t, path) }

func columnNames(tbl *metav1.Table) (names []string, wide []string) {
	for _, c := range tbl.ColumnDefinitions {
		if c.Priority == 0 {
			names = append(names, c.Name)
		} else {
			wide = append(wide, c.Name)
		}
	}
	return names, wide
}

func basicPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"run": name}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: "busybox"}}},
	}
}
