// Package controllers tests the workload controllers (ReplicaSet,
// Deployment) and the garbage collector against a real in-process skiff
// server, with a fake node agent standing in for the kubelet, through
// client-go and the stock kubectl.
package controllers

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/test/fakenode"
	"github.com/skiff-k8s/skiff/test/testserver"
)

var (
	srv  *testserver.Server
	node *fakenode.Node
	bin  string
	tmp  string
	ctx  = context.Background()
)

func TestMain(m *testing.M) {
	var err error
	tmp, err = os.MkdirTemp("", "skiff-controllers-")
	if err != nil {
		panic(err)
	}
	if bin, err = testserver.Binary(tmp); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 0
	func() {
		if srv, err = testserver.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
			return
		}
		defer srv.Close()
		nctx, cancel := context.WithCancel(ctx)
		defer cancel()
		if node, err = fakenode.Start(nctx, srv.Client, "fake-node-1"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
			return
		}
		code = m.Run()
	}()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// newNamespace creates a namespace for one test and deletes it afterwards.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns, err := srv.Client.CoreV1().Namespaces().Create(ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "ctrl-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}

// kubectl runs `skiff kubectl args...` and returns stdout, stderr and error.
func kubectl(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	return srv.Kubectl(t, bin, tmp, stdin, args...)
}

// ok runs kubectl, fails the test on error and returns stdout.
func ok(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := kubectl(t, "", args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// okIn is ok with a manifest on stdin.
func okIn(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := kubectl(t, stdin, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

func contains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	testserver.Contains(t, what, got, wants...)
}

// eventually polls cond until it holds, failing the test after 60s with
// the last message cond returned.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	testserver.Eventually(t, 60*time.Second, 100*time.Millisecond, what, cond)
}

func labels(app string) map[string]string { return map[string]string{"app": app} }

func podTemplate(app, image string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels(app)},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}},
	}
}

func ptr[T any](v T) *T { return &v }
