package integration

import (
	"testing"

	"github.com/skiff-k8s/skiff/test/testserver"
)

// assertInvalid checks err is a 422 Invalid Status naming field.
func assertInvalid(t *testing.T, err error, field string) {
	t.Helper()
	testserver.AssertInvalid(t, err, field, "")
}
