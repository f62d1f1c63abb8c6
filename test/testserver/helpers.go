package testserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// Namespace creates a namespace for one test (generateName prefix "test-")
// and deletes it when the test ends.
func (s *Server) Namespace(t testing.TB) string {
	t.Helper()
	ns, err := s.Client.CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}

// Table GETs path as a server-side Table, as kubectl get does.
func (s *Server) Table(t testing.TB, path string) *metav1.Table {
	t.Helper()
	req, err := http.NewRequest("GET", s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	client, err := rest.HTTPClientFor(s.Config)
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

// AssertInvalid checks err is a 422 Invalid Status with a cause for field
// whose message contains msg (any message when msg is empty).
func AssertInvalid(t testing.TB, err error, field, msg string) {
	t.Helper()
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		t.Fatalf("want a Status error, got %v", err)
	}
	st := status.Status()
	if st.Code != 422 || st.Reason != metav1.StatusReasonInvalid {
		t.Fatalf("want 422 Invalid, got %d %s: %s", st.Code, st.Reason, st.Message)
	}
	if st.Details == nil {
		t.Fatalf("no details in %+v", st)
	}
	for _, c := range st.Details.Causes {
		if c.Field == field && strings.Contains(c.Message, msg) {
			return
		}
	}
	t.Fatalf("no cause for field %q (%q) in %+v", field, msg, st.Details.Causes)
}

// Eventually polls cond every interval until it holds, failing t after
// timeout with what and the last message cond returned. Suites wrap it
// with the timeout their controllers need.
func Eventually(t testing.TB, timeout, interval time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var msg string
	for time.Now().Before(deadline) {
		var done bool
		if done, msg = cond(); done {
			return
		}
		time.Sleep(interval)
	}
	t.Fatalf("%s: timed out; last: %s", what, msg)
}
