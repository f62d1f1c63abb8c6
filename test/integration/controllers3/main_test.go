// Package controllers3 tests the StatefulSet and DaemonSet controllers
// against a real in-process skiff server (and its scheduler), with three
// fake node agents standing in for kubelets and a fake provisioner for
// claims, through client-go and the stock kubectl.
package controllers3

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
	srv   *testserver.Server
	nodes []*fakenode.Node
	bin   string
	tmp   string
	ctx   = context.Background()
)

func TestMain(m *testing.M) {
	var err error
	tmp, err = os.MkdirTemp("", "skiff-controllers3-")
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
		// StatefulSet claim templates need volumes to be scheduled.
		if err := fakenode.StartProvisioner(nctx, srv.Client); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
			return
		}
		for i := 1; i <= 3; i++ {
			n, err := fakenode.Start(nctx, srv.Client, fmt.Sprintf("node-%d", i))
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				code = 1
				return
			}
			nodes = append(nodes, n)
		}
		code = m.Run()
	}()
	os.RemoveAll(tmp)
	os.Exit(code)
}

func newNamespace(t *testing.T) string {
	t.Helper()
	ns, err := srv.Client.CoreV1().Namespaces().Create(ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "ctrl3-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}

// kubectl runs `skiff kubectl args...` and returns stdout, stderr and error.
func kubectl(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	return srv.Kubectl(t, bin, tmp, "", args...)
}

func ok(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := kubectl(t, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

func contains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	testserver.Contains(t, what, got, wants...)
}

// eventually polls cond until it holds, failing the test after 60s.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	testserver.Eventually(t, 60*time.Second, 100*time.Millisecond, what, cond)
}

func podTemplate(app, image string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}},
	}
}

func ptr[T any](v T) *T { return &v }
