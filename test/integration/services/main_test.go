// Package services tests Services, networking, nodes, volumes and quotas
// against a real in-process skiff server, as a user sees them.
package services

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/test/testserver"
)

var srv *testserver.Server

func TestMain(m *testing.M) { testserver.Main(m, &srv) }

func newNamespace(t *testing.T) string { return srv.Namespace(t) }

// assertInvalid checks err is a 422 Invalid Status naming field.
func assertInvalid(t *testing.T, err error, field string) {
	t.Helper()
	testserver.AssertInvalid(t, err, field, "")
}

func getTable(t *testing.T, path string) *metav1.Table { return srv.Table(t, path) }

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
