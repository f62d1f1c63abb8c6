// Package integration tests a real in-process skiff server through client-go
// and plain HTTPS, asserting what a Kubernetes user would see.
package integration

import (
	"testing"

	"github.com/skiff-k8s/skiff/test/testserver"
)

var srv *testserver.Server

func TestMain(m *testing.M) { testserver.Main(m, &srv) }

// newNamespace creates a namespace for one test and deletes it afterwards.
func newNamespace(t *testing.T) string { return srv.Namespace(t) }
