// Package services tests Services, networking, nodes, volumes and quotas
// against a real in-process skiff server, as a user sees them.
package services

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/skiff-k8s/skiff/test/testserver"
)

var srv *testserver.Server

func TestMain(m *testing.M) { testserver.Main(m, &srv) }

// newNamespace creates a namespace for one test and deletes it afterwards.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns, err := srv.Client.CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}

// assertInvalid checks err is a 422 Invalid Status naming field (and, when
// given, with a cause whose message contains msg).
func assertInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		t.Fatalf("want a Status error, got %v", err)
	}
	s := status.Status()
	if s.Code != 422 || s.Reason != "Invalid" {
		t.Fatalf("want 422 Invalid, got %d %s: %s", s.Code, s.Reason, s.Message)
	}
	if s.Details == nil {
		t.Fatalf("no details in %+v", s)
	}
	for _, c := range s.Details.Causes {
		if c.Field == field {
			return
		}
	}
	t.Fatalf("no cause for field %q in %+v", field, s.Details.Causes)
}

// getTable GETs path as a server-side Table, as kubectl get does.
func getTable(t *testing.T, path string) *metav1.Table {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	client, err := rest.HTTPClientFor(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	tbl := &metav1.Table{}
	if err := json.NewDecoder(resp.Body).Decode(tbl); err != nil {
		t.Fatal(err)
	}
	return tbl
}

// columns returns the column names of a Table, "name*" for wide ones.
func columns(tbl *metav1.Table) []string {
	var out []string
	for _, c := range tbl.ColumnDefinitions {
		n := c.Name
		if c.Priority > 0 {
			n += "*"
		}
		out = append(out, n)
	}
	return out
}
