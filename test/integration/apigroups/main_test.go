// Package apigroups tests the cluster-scoped and API-management groups
// (rbac, admissionregistration, authentication, authorization reviews,
// certificates, flowcontrol, node, scheduling, storage, resource,
// storagemigration) against a real in-process skiff server.
package apigroups

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/skiff-k8s/skiff/test/testserver"
)

var srv *testserver.Server

func TestMain(m *testing.M) { testserver.Main(m, &srv) }

var ctx = context.Background()

// assertInvalid checks err is a 422 Invalid naming field among its causes.
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

// getTable fetches path as a server-side Table, as kubectl get does.
func getTable(t *testing.T, path string) *metav1.Table {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
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
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	var table metav1.Table
	if err := json.NewDecoder(resp.Body).Decode(&table); err != nil {
		t.Fatal(err)
	}
	return &table
}

// columns returns the column names of a table and, for -o wide, which are
// wide-only (priority > 0, marked with a trailing "*").
func columns(table *metav1.Table) []string {
	var out []string
	for _, c := range table.ColumnDefinitions {
		n := c.Name
		if c.Priority > 0 {
			n += "*"
		}
		out = append(out, n)
	}
	return out
}

// rowFor returns the cells of the row whose first cell is name.
func rowFor(t *testing.T, table *metav1.Table, name string) []interface{} {
	t.Helper()
	for _, r := range table.Rows {
		if len(r.Cells) > 0 && r.Cells[0] == name {
			return r.Cells
		}
	}
	t.Fatalf("no row %q in table %+v", name, table.Rows)
	return nil
}
