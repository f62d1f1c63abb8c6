package integration

import (
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// assertInvalid checks err is a 422 Invalid Status naming field.
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
