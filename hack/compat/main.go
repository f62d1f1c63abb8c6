// Command compat records upstream kube-apiserver's answers for the
// differential test in test/compat: it starts kube-apiserver v1.37.2 +
// etcd v3.7.0 (built by hack/bench/build-upstream.sh), POSTs every
// test/compat/testdata/manifests/*.yaml and writes the normalised answers
// to test/compat/testdata/golden/, with `kubectl api-resources -o wide`
// and `kubectl api-versions`; then, on a fresh upstream, applies the
// accepted manifests with kubectl and records kubectl's output and
// `kubectl get -o wide` of each object (golden/apply.txt, golden/get/).
//
//	cd hack/compat && go run . -update   # rewrite the goldens
//	cd hack/compat && go run .           # only check that they are current
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"

	"github.com/skiff-k8s/skiff/test/compat"
	"github.com/skiff-k8s/skiff/test/testserver"
)

func main() {
	home, _ := os.UserHomeDir()
	defBin := os.Getenv("SKIFF_UPSTREAM_BIN")
	if defBin == "" {
		defBin = filepath.Join(home, ".cache", "skiff-bench", "bin")
	}
	update := flag.Bool("update", false, "write the golden files (otherwise only report differences)")
	bin := flag.String("bin", defBin, "directory with kube-apiserver and etcd (hack/bench/build-upstream.sh)")
	testdata := flag.String("testdata", compat.Testdata(), "test/compat/testdata")
	run := flag.String("run", "", "only write or check the goldens whose name contains this (every case is still sent, in order, as they depend on each other)")
	keep := flag.Bool("keep", false, "keep the work directory (logs, etcd data)")
	hold := flag.Bool("hold", false, "after recording, keep upstream running until interrupted (prints its kubeconfig)")
	flag.Parse()
	if err := mainErr(*update, *bin, *testdata, *run, *keep, *hold); err != nil {
		fmt.Fprintln(os.Stderr, "compat:", err)
		os.Exit(1)
	}
}

func mainErr(update bool, bin, testdata, only string, keep, hold bool) error {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	work, err := os.MkdirTemp("", "skiff-compat-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintln(os.Stderr, "work dir:", work)
	} else {
		defer os.RemoveAll(work)
	}
	cases, err := compat.LoadCases(testdata)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "building kubectl (k8s.io/kubectl, as skiff kubectl)...")
	kubectlBin := filepath.Join(work, "kubectl")
	build := exec.Command("go", "build", "-ldflags", testserver.LDFlags, "-o", kubectlBin, "./kubectl")
	build.Dir = sourceDir()
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building kubectl: %v\n%s", err, out)
	}
	fmt.Fprintln(os.Stderr, "starting upstream kube-apiserver + etcd from", bin)
	u, err := startUpstream(ctx, bin, filepath.Join(work, "upstream"))
	if err != nil {
		return err
	}
	defer u.stop()

	stale := 0
	check := func(name string, got []byte) error {
		if only != "" && !strings.Contains(name, only) {
			return nil
		}
		path := filepath.Join(testdata, "golden", name)
		old, _ := os.ReadFile(path)
		if string(old) == string(got) {
			return nil
		}
		if update {
			fmt.Fprintln(os.Stderr, "wrote", path)
			return os.WriteFile(path, got, 0o644)
		}
		stale++
		fmt.Fprintf(os.Stderr, "%s is not current:\n%s", path, compat.TextDiff(string(old), string(got)))
		return nil
	}

	// Discovery first, before the cases add a CRD and an APIService.
	for name, args := range map[string][]string{
		"api-resources.txt": {"api-resources", "-o", "wide"},
		"api-versions.txt":  {"api-versions"},
	} {
		out, err := kubectl(kubectlBin, u.Kubeconfig, work, args...)
		if err != nil {
			return err
		}
		if err := check(name, []byte(compat.NormalizeTable(out))); err != nil {
			return err
		}
	}

	if err := compat.Setup(ctx, u.Config); err != nil {
		return err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(u.Config)
	if err != nil {
		return err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	for _, c := range cases {
		gvk := c.GVK()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return fmt.Errorf("%s: %v", c.Name, err)
		}
		path := "/apis/" + gvk.Group + "/" + gvk.Version
		if gvk.Group == "" {
			path = "/api/" + gvk.Version
		}
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			path += "/namespaces/" + compat.Namespace
		}
		path += "/" + m.Resource.Resource
		g, err := compat.Do(ctx, u.Config, compat.Request{Method: http.MethodPost, Path: path}, c.Body())
		if err != nil {
			return fmt.Errorf("%s: %v", c.Name, err)
		}
		fmt.Fprintf(os.Stderr, "%-50s HTTP %d\n", c.Name, g.Code)
		if err := check(c.Name+".json", g.Marshal()); err != nil {
			return err
		}
	}
	if hold {
		fmt.Fprintf(os.Stderr, "upstream is running: KUBECONFIG=%s (interrupt to stop)\n", u.Kubeconfig)
		<-ctx.Done()
	}
	u.stop()

	// The kubectl set, on a fresh upstream as the test does on a fresh
	// skiff: kubectl apply/create of every accepted manifest, then
	// kubectl get -o wide of each.
	fmt.Fprintln(os.Stderr, "starting a fresh upstream for the kubectl set")
	k, err := startUpstream(ctx, bin, filepath.Join(work, "upstream-kubectl"))
	if err != nil {
		return err
	}
	defer k.stop()
	if err := compat.Setup(ctx, k.Config); err != nil {
		return err
	}
	getCases, err := compat.GetCases(testdata)
	if err != nil {
		return err
	}
	run := func(args ...string) (string, string, error) {
		return kubectlOutputs(kubectlBin, k.Kubeconfig, work, args...)
	}
	outs, err := compat.KubectlSet(ctx, k.Config, run, filepath.Join(work, "kubectl-set"), getCases)
	if err != nil {
		return fmt.Errorf("upstream does not accept the kubectl set: %v\n%s", err, outs[compat.ApplyGolden])
	}
	if err := os.MkdirAll(filepath.Join(testdata, "golden", "get"), 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(outs))
	for name := range outs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := check(name, []byte(outs[name])); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "kubectl set: %d objects, %d gets\n", len(getCases), len(outs)-1)
	if stale > 0 {
		return fmt.Errorf("%d golden files are not current; rerun with -update", stale)
	}
	return nil
}

func sourceDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// kubectl runs the stock kubectl (k8s.io/kubectl v0.37.2) against
// kubeconfig with a fresh discovery cache.
func kubectl(bin, kubeconfig, work string, args ...string) (string, error) {
	args = append([]string{"--kubeconfig", kubeconfig, "--cache-dir", filepath.Join(work, "kubectl-cache")}, args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("kubectl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

// kubectlOutputs is kubectl returning stdout and stderr apart.
func kubectlOutputs(bin, kubeconfig, work string, args ...string) (string, string, error) {
	args = append([]string{"--kubeconfig", kubeconfig, "--cache-dir", filepath.Join(work, "kubectl-cache")}, args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}
