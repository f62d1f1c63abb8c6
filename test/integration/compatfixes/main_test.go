// Package compatfixes tests the answers skiff gives exactly as upstream
// kube-apiserver does for the cases test/compat once listed as different:
// defaults made by upstream's conversions, strategy-maintained annotations,
// exact error texts and the default table of CSIStorageCapacities.
package compatfixes

import (
	"context"
	"testing"

	"github.com/skiff-k8s/skiff/test/testserver"
)

var srv *testserver.Server

func TestMain(m *testing.M) { testserver.Main(m, &srv) }

var ctx = context.Background()
