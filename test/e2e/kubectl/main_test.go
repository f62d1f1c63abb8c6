// Package kubectl drives the stock kubectl (k8s.io/kubectl v0.37.2, run as
// `skiff kubectl`) against a real skiff server and checks what it prints.
package kubectl

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skiff-k8s/skiff/test/testserver"
)

var (
	srv *testserver.Server
	bin string
	tmp string
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("kubectl suite not run in -short mode (make test runs it)")
		os.Exit(0)
	}
	var err error
	tmp, err = os.MkdirTemp("", "skiff-kubectl-")
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
		code = m.Run()
	}()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// kubectl runs `skiff kubectl args...` and returns stdout, stderr and error.
func kubectl(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"kubectl"}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+srv.Kubeconfig, "KUBECTL_EXTERNAL_DIFF=", "HOME="+tmp)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
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
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s: output lacks %q:\n%s", what, w, got)
		}
	}
}

// namespace creates a namespace for one test.
func namespace(t *testing.T) string {
	t.Helper()
	name := strings.ToLower(strings.ReplaceAll(t.Name(), "_", "-"))
	if len(name) > 50 {
		name = name[:50]
	}
	ok(t, "create", "namespace", name)
	t.Cleanup(func() { kubectl(t, "", "delete", "namespace", name, "--wait=false") })
	return name
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
