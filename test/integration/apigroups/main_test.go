// Package apigroups tests the cluster-scoped and API-management groups
// (rbac, admissionregistration, authentication, authorization reviews,
// certificates, flowcontrol, node, scheduling, storage, resource,
// storagemigration) against a real in-process skiff server.
package apigroups

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/test/testserver"
)

var srv *testserver.Server

func TestMain(m *testing.M) { testserver.Main(m, &srv) }

var ctx = context.Background()

// assertInvalid checks err is a 422 Invalid Status naming field.
func assertInvalid(t *testing.T, err error, field string) {
	t.Helper()
	testserver.AssertInvalid(t, err, field, "")
}

func getTable(t *testing.T, path string) *metav1.Table { return srv.Table(t, path) }

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
