// Package workloads tests the apps, batch, autoscaling and policy groups
// against a real in-process skiff server through client-go.
package workloads

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/server"
	"github.com/skiff-k8s/skiff/test/testserver"
)

var srv *testserver.Server

// The suite checks the API's semantics of workload objects (defaults,
// validation, status and scale subresources, tables), so it runs without
// the controllers and the scheduler, which would write the same objects
// meanwhile, as upstream's apiserver integration tests do.
func TestMain(m *testing.M) {
	testserver.MainWith(m, &srv, server.Options{DisableControllers: true, DisableScheduler: true})
}

var ctx = context.Background()

// newNamespace creates a namespace for one test and deletes it afterwards.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns, err := srv.Client.CoreV1().Namespaces().Create(ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "wl-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	// The default ServiceAccount pods need (its controller does not run).
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	if _, err := srv.Client.CoreV1().ServiceAccounts(ns.Name).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// assertInvalid checks err is a 422 Invalid Status naming field.
func assertInvalid(t *testing.T, err error, field string) {
	t.Helper()
	testserver.AssertInvalid(t, err, field, "")
}

// getTable returns a Table's column names and its first row.
func getTable(t *testing.T, path string) ([]string, []interface{}) {
	t.Helper()
	table := srv.Table(t, path)
	var cols []string
	for _, c := range table.ColumnDefinitions {
		cols = append(cols, c.Name)
	}
	var row []interface{}
	if len(table.Rows) > 0 {
		row = table.Rows[0].Cells
	}
	return cols, row
}

func assertColumns(t *testing.T, path, want string) []interface{} {
	t.Helper()
	cols, row := getTable(t, path)
	if got := strings.Join(cols, ","); got != want {
		t.Errorf("%s columns = %s, want %s", path, got, want)
	}
	if len(row) != len(cols) {
		t.Errorf("%s row has %d cells for %d columns: %v", path, len(row), len(cols), row)
	}
	return row
}

func labels(app string) map[string]string { return map[string]string{"app": app} }

// podTemplate is a minimal valid template labelled app=<app>.
func podTemplate(app string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels(app)},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1.27"}}},
	}
}

func ptr[T any](v T) *T { return &v }
