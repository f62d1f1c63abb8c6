// Package controllers4 tests leader election of the controller manager,
// the disruption controller (PodDisruptionBudget status) and the
// serviceaccounts/token subresource against a real in-process skiff.
package controllers4

import (
	"context"
	"testing"

	"github.com/skiff-k8s/skiff/test/testserver"
)

var (
	srv *testserver.Server
	ctx = context.Background()
)

func TestMain(m *testing.M) { testserver.Main(m, &srv) }
