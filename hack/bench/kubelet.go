package main

// The kubelet phase (-phase kubelet): pod start-up latency and RSS of
// skiff's kubelet (`skiff agent`) and of upstream kubelet v1.37.2, one
// after the other, on the same machine, API server and containerd.
//
//   - one `skiff server --disable-kubelet` (fresh data dir) is the API
//     server, scheduler and controllers for both kubelets;
//   - one containerd (the machine's binary, started by the harness through
//     skiff's kubelet/containerd package, own root/state/socket) runs the
//     pods of both; its CNI conflist (bridge kbench0, host-local IPAM) is
//     written by the harness;
//   - the pause image (skiff's kubelet/images) is served from a registry
//     inside the harness and pulled once through CRI before any kubelet
//     starts, so no measured pod pulls;
//   - each kubelet in turn registers its node, idles, then runs the
//     workloads (1 pod, N at once, ...); every pod's latency runs from just
//     before its create call to the moment the harness's watch sees it
//     Running with Ready=True.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/skiff-k8s/skiff/kubelet/containerd"
	"github.com/skiff-k8s/skiff/kubelet/images"
)

const (
	kbNamespace = "kbench"
	kbBridge    = "kbench0"
	kbNetwork   = "skiff-bench" // CNI network name
	kbLabel     = "skiff-bench/kubelet"
)

// kubeletSystem is one kubelet under test.
type kubeletSystem struct {
	name, node string
	// start launches it; dir is its own directory.
	start func(ctx context.Context, dir string) (*proc, error)
}

// kbWorkload is one measured batch: n pods created at once.
type kbWorkload struct {
	n     int
	lat   []time.Duration // per pod, create → Running+Ready
	all   time.Duration   // first create → last Ready
	del   time.Duration   // DeleteCollection → all pods gone and sandboxes stopped
	share float64
	// CPU from the first create to the last Ready: containerd (+ CNI
	// plugins), the shims (+ runc), the kubelet.
	ctrdCPU, shimCPU, kCPU time.Duration
	err                    error
}

type kbResult struct {
	name                  string
	nodeReady             time.Duration
	idleRSS, loadedRSS    int64
	idleCPU               time.Duration
	idleWindow            time.Duration
	loadCPU               time.Duration // kubelet CPU, 30-pod batch create → all Ready
	ctrdIdle, ctrdLoaded  int64
	shimsLoaded           int64
	shimCount             int
	single                []time.Duration // the 1-pod workload, -kubelet-singles samples
	batches               []*kbWorkload
	leftCgroups           int
	loadBefore, loadAfter string
	quietShare            float64
	errs                  []string
}

// kbBench is the shared environment: API server, registry, containerd.
type kbBench struct {
	o        options
	work     string
	client   kubernetes.Interface
	kubecfg  string
	caFile   string
	pause    string
	ctrd     *containerd.Process
	ctrdDir  string
	cniDir   string
	conn     *grpc.ClientConn
	rt       runtimeapi.RuntimeServiceClient
	img      runtimeapi.ImageServiceClient
	pullTime time.Duration
	podUIDs  map[types.UID]bool
	mu       sync.Mutex
}

func runKubelet(ctx context.Context, o options, work string) (*kbBench, []*kbResult, error) {
	if os.Geteuid() != 0 {
		return nil, nil, errors.New("-phase kubelet runs containers: run it as root")
	}
	if err := containerd.Available(); err != nil {
		return nil, nil, err
	}
	batches, err := parseBatches(o.kbBatches)
	if err != nil {
		return nil, nil, err
	}
	bin := filepath.Join(work, "skiff")
	if err := copyFile(bin, o.skiff, 0o755); err != nil {
		return nil, nil, fmt.Errorf("copy skiff binary: %w", err)
	}
	skiffInfo = binaryInfo(o.skiff, bin)
	logf("skiff binary: %s", skiffInfo)

	var systems []kubeletSystem
	if !o.skipSkiff {
		systems = append(systems, kubeletSystem{name: "skiff agent", node: "bench-skiff"})
	}
	var upstreamBin string
	if !o.skipUpstream {
		binDir := filepath.Join(o.cacheDir, "bin")
		upstreamBin = filepath.Join(binDir, "kubelet")
		if _, err := os.Stat(upstreamBin); err != nil {
			logf("%s missing: running UPSTREAM_CMDS=kubelet %s (~2 min with a warm build cache, longer cold)", upstreamBin, o.buildScript)
			cmd := exec.CommandContext(ctx, o.buildScript, o.cacheDir)
			cmd.Env = append(os.Environ(), "UPSTREAM_CMDS=kubelet")
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Run(); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", o.buildScript, err)
			}
		}
		systems = append(systems, kubeletSystem{name: "upstream kubelet v1.37.2", node: "bench-upstream"})
	}

	b := &kbBench{o: o, work: work, podUIDs: map[types.UID]bool{}}
	// Cleanup runs even when the run fails or is interrupted: pods' sandboxes
	// (and with them containers, shims, veths, IP leases), containerd, the
	// bridge, cgroups.
	defer b.cleanup()

	// The API server: no kubelet of its own; scheduler and controllers on.
	dir := filepath.Join(work, "server")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return b, nil, err
	}
	port, err := freePort()
	if err != nil {
		return b, nil, err
	}
	srv, err := startProc("skiff", filepath.Join(work, "kl-server.log"), bin,
		"server", "--data-dir", dir, "--secure-port", strconv.Itoa(port), "--bind-address", "127.0.0.1", "--disable-kubelet")
	if err != nil {
		return b, nil, err
	}
	defer srv.stop()
	if _, err := srv.waitReady(ctx, pollClient(nil), fmt.Sprintf("https://127.0.0.1:%d/readyz", port), "ok", 20*time.Millisecond, readyTimeout); err != nil {
		return b, nil, err
	}
	sk := &skiffSystem{dir: dir}
	cfg, err := sk.restConfig(ctx)
	if err != nil {
		return b, nil, err
	}
	cfg.QPS = -1
	if b.client, err = kubernetes.NewForConfig(cfg); err != nil {
		return b, nil, err
	}
	b.kubecfg = filepath.Join(dir, "kubeconfig")
	b.caFile = filepath.Join(dir, "pki", "ca.crt")
	if _, err := os.Stat(b.caFile); err != nil {
		return b, nil, fmt.Errorf("skiff CA: %w", err)
	}

	// The pause image, from a registry in this process.
	reg, err := images.StartRegistry(ctx, "127.0.0.1:0")
	if err != nil {
		return b, nil, err
	}
	pause, err := images.Pause()
	if err != nil {
		return b, nil, err
	}
	if b.pause, err = reg.Push(images.PauseRepoTag, pause); err != nil {
		return b, nil, err
	}

	// containerd, with the pod network's conflist.
	b.ctrdDir = filepath.Join(work, "ctrd")
	b.cniDir = filepath.Join(b.ctrdDir, "net.d")
	if err := writeCNI(b.cniDir, o.kbPodCIDR); err != nil {
		return b, nil, err
	}
	b.ctrd, err = containerd.Start(ctx, containerd.Options{Dir: b.ctrdDir, SandboxImage: b.pause, CNIConfDir: b.cniDir})
	if err != nil {
		return b, nil, err
	}
	if b.conn, err = grpc.NewClient(b.ctrd.Endpoint(), grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithAuthority("localhost")); err != nil {
		return b, nil, err
	}
	b.rt, b.img = runtimeapi.NewRuntimeServiceClient(b.conn), runtimeapi.NewImageServiceClient(b.conn)
	// containerd and its shims (with their runc calls) work for the
	// benchmark: not "other processes" in the disturbance figures.
	ownExtra = b.runtimeCPU
	defer func() { ownExtra = nil }()
	t0 := time.Now()
	if _, err := b.img.PullImage(ctx, &runtimeapi.PullImageRequest{Image: &runtimeapi.ImageSpec{Image: b.pause}}); err != nil {
		return b, nil, fmt.Errorf("pull %s: %w", b.pause, err)
	}
	b.pullTime = time.Since(t0)
	logf("containerd %d up on %s; pause image %s pulled in %v", b.ctrd.Pid(), b.ctrd.Endpoint(), b.pause, b.pullTime.Round(time.Millisecond))

	// The benchmark's namespace, once its default ServiceAccount exists
	// (pods are refused before).
	if _, err := b.client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: kbNamespace}}, metav1.CreateOptions{}); err != nil {
		return b, nil, err
	}
	if err := waitFor(ctx, time.Minute, srv, func() (bool, error) {
		_, err := b.client.CoreV1().ServiceAccounts(kbNamespace).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	}); err != nil {
		return b, nil, fmt.Errorf("default ServiceAccount: %w", err)
	}

	var results []*kbResult
	for i := range systems {
		s := &systems[i]
		switch {
		case strings.HasPrefix(s.name, "skiff"):
			s.start = func(ctx context.Context, d string) (*proc, error) {
				return startProc(s.name, filepath.Join(work, "kl-skiff-agent.log"), bin,
					"agent", "--kubeconfig", b.kubecfg, "--node-name", s.node,
					"--container-runtime-endpoint", b.ctrd.Endpoint(), "--pod-cidr", o.kbPodCIDR,
					"--data-dir", d, "--kubelet-port", "0")
			}
		default:
			s.start = func(ctx context.Context, d string) (*proc, error) {
				args, err := b.upstreamArgs(d, s.node)
				if err != nil {
					return nil, err
				}
				return startProc(s.name, filepath.Join(work, "kl-upstream-kubelet.log"), upstreamBin, args...)
			}
		}
		r := b.measure(ctx, i, *s, batches)
		results = append(results, r)
		if ctx.Err() != nil {
			return b, results, ctx.Err()
		}
	}
	return b, results, nil
}

func parseBatches(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-kubelet-batches: %q is not a positive number", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("-kubelet-batches is empty")
	}
	return out, nil
}

// writeCNI writes the pod network: the shape of skiff's own conflist
// (kubelet/containerd.WriteCNIConfig) under a network and bridge name of
// the benchmark's own, host-local's leases under dir, so nothing mixes
// with another skiff on the machine.
func writeCNI(dir, podCIDR string) error {
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       kbNetwork,
		"plugins": []any{
			map[string]any{
				"type": "bridge", "bridge": kbBridge, "isGateway": true, "ipMasq": true, "hairpinMode": true,
				"ipam": map[string]any{
					"type":    "host-local",
					"ranges":  [][]map[string]string{{{"subnet": podCIDR}}},
					"routes":  []map[string]string{{"dst": "0.0.0.0/0"}},
					"dataDir": filepath.Join(dir, "leases"),
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
			map[string]any{"type": "loopback"},
		},
	}
	raw, err := json.MarshalIndent(conf, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "10-skiff-bench.conflist"), raw, 0o644)
}

// upstreamArgs writes the KubeletConfiguration for upstream's kubelet and
// returns its command line.
func (b *kbBench) upstreamArgs(dir, node string) ([]string, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	f := false
	cfg := map[string]any{
		"apiVersion": "kubelet.config.k8s.io/v1beta1",
		"kind":       "KubeletConfiguration",
		// Measured here: cgroup v1 hierarchies, no systemd, containerd 1.6
		// (whose CRI has no RuntimeConfig, so the driver comes from here).
		"failCgroupV1":             &f,
		"cgroupDriver":             "cgroupfs",
		"containerRuntimeEndpoint": b.ctrd.Endpoint(),
		"address":                  "127.0.0.1",
		"port":                     port,
		"readOnlyPort":             0,
		"healthzPort":              0,
		"authentication": map[string]any{
			"anonymous": map[string]any{"enabled": false},
			"webhook":   map[string]any{"enabled": false},
			"x509":      map[string]any{"clientCAFile": b.caFile},
		},
		"authorization": map[string]any{"mode": "AlwaysAllow"},
		"podCIDR":       b.o.kbPodCIDR,
		"podLogsDir":    filepath.Join(dir, "pod-logs"),
		"failSwapOn":    false,
		// No swap, root without CAP_SYS_RESOURCE: nothing else differs from
		// the defaults (serializeImagePulls, QPS 50/100, sync periods, ...).
	}
	raw, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cfgFile := filepath.Join(dir, "kubelet-config.json")
	if err := os.WriteFile(cfgFile, raw, 0o644); err != nil {
		return nil, err
	}
	return []string{
		"--config", cfgFile,
		"--kubeconfig", b.kubecfg,
		"--root-dir", filepath.Join(dir, "root"),
		"--cert-dir", filepath.Join(dir, "pki"),
		"--hostname-override", node,
		"-v", "1",
	}, nil
}

func (b *kbBench) measure(ctx context.Context, idx int, s kubeletSystem, batches []int) *kbResult {
	r := &kbResult{name: s.name}
	fail := func(what string, err error) *kbResult {
		logf("%s: %s: %v", s.name, what, err)
		r.errs = append(r.errs, fmt.Sprintf("%s: %v", what, err))
		return r
	}
	if share, err := waitQuiet(ctx, b.o.quiet, b.o.quietWait); err == nil {
		r.quietShare = share
	}
	r.loadBefore = loadAvg()
	defer func() { r.loadAfter = loadAvg() }()
	// The runtime starts empty for every kubelet.
	if err := b.clearRuntime(ctx); err != nil {
		return fail("clear runtime", err)
	}

	dir := filepath.Join(b.work, fmt.Sprintf("kubelet-%d", idx))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail("dir", err)
	}
	p, err := s.start(ctx, dir)
	if err != nil {
		return fail("start", err)
	}
	defer func() {
		// Pods first (the kubelet stops them), then the kubelet; its Node goes.
		dctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if _, err := b.deleteAll(dctx, p); err != nil {
			logf("%s: deleting pods: %v", s.name, err)
		}
		p.stop()
		_ = b.client.CoreV1().Nodes().Delete(dctx, s.node, metav1.DeleteOptions{})
		if err := b.clearRuntime(dctx); err != nil {
			logf("%s: clearing the runtime: %v", s.name, err)
		}
		r.leftCgroups = b.removePodCgroups()
	}()

	// Launch → Node Ready.
	if err := waitFor(ctx, 2*time.Minute, p, func() (bool, error) {
		n, err := b.client.CoreV1().Nodes().Get(ctx, s.node, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	}); err != nil {
		return fail("node Ready", err)
	}
	r.nodeReady = time.Since(p.started)
	logf("%s: node %s Ready %v after launch", s.name, s.node, r.nodeReady.Round(time.Millisecond))

	// Idle.
	cpu0 := procCPU(p.cmd.Process.Pid)
	select {
	case <-ctx.Done():
		return fail("settle", ctx.Err())
	case <-time.After(b.o.settle):
	}
	r.idleCPU, r.idleWindow = procCPU(p.cmd.Process.Pid)-cpu0, b.o.settle
	r.idleRSS, _ = p.rssKiB()
	r.ctrdIdle = pidRSS(b.ctrd.Pid())
	logf("%s: idle RSS %d MiB (CPU %v over %v)", s.name, r.idleRSS>>10, r.idleCPU, b.o.settle)

	w := &kbWatch{c: b.client, ready: map[string]time.Time{}, gone: make(chan struct{}, 1)}
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	if err := w.start(wctx); err != nil {
		return fail("pod watch", err)
	}

	// Single pods, one after the other.
	for i := range b.o.kbSingles {
		wl := b.runBatch(ctx, p, w, s, fmt.Sprintf("single-%d", i), 1)
		if wl.err != nil {
			return fail("single pod", wl.err)
		}
		r.single = append(r.single, wl.lat[0])
		logf("%s: single pod %d: %v", s.name, i+1, wl.lat[0].Round(time.Millisecond))
	}
	// Batches created at once.
	for _, n := range batches {
		if n == 1 && b.o.kbSingles > 0 {
			continue
		}
		last := n == batches[len(batches)-1]
		wl := b.runBatchKeep(ctx, p, w, s, fmt.Sprintf("batch%d", n), n, func() {
			if !last {
				return
			}
			// All n Running and Ready: RSS (the kubelet's and the
			// runtime's) once status updates have settled.
			time.Sleep(5 * time.Second)
			r.loadedRSS, _ = p.rssKiB()
			r.ctrdLoaded = pidRSS(b.ctrd.Pid())
			r.shimsLoaded, r.shimCount = b.shimsRSS()
		})
		r.batches = append(r.batches, wl)
		if wl.err != nil {
			return fail(fmt.Sprintf("%d pods", n), wl.err)
		}
		st := summarize(wl.lat)
		logf("%s: %d pods: p50 %v, p99 %v, max %v, all Ready after %v; deleted in %v", s.name, n,
			st.p50.Round(time.Millisecond), st.p99.Round(time.Millisecond), st.max.Round(time.Millisecond),
			wl.all.Round(time.Millisecond), wl.del.Round(time.Millisecond))
	}
	return r
}

func (b *kbBench) runBatch(ctx context.Context, p *proc, w *kbWatch, s kubeletSystem, prefix string, n int) *kbWorkload {
	return b.runBatchKeep(ctx, p, w, s, prefix, n, nil)
}

// runBatchKeep creates n pods at once, waits until all are Running and
// Ready, calls loaded (if any), deletes them and waits until they are gone.
func (b *kbBench) runBatchKeep(ctx context.Context, p *proc, w *kbWatch, s kubeletSystem, prefix string, n int, loaded func()) *kbWorkload {
	wl := &kbWorkload{n: n}
	// Other processes' CPU and the runtime's (containerd, shims, runc, CNI
	// plugins) are read from the first create to the last Ready: the shims
	// and their CPU figures vanish with the pods.
	ph := beginPhase(prefix)
	c0, s0 := b.runtimeCPUs()
	k0 := procCPU(p.cmd.Process.Pid)
	names := make([]string, n)
	starts := make([]time.Time, n)
	errs := make([]error, n)
	for i := range n {
		names[i] = fmt.Sprintf("%s-%s-%02d", strings.TrimPrefix(s.node, "bench-"), prefix, i)
	}
	w.expect(names)
	var wg sync.WaitGroup
	first := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pod := b.pod(names[i], s.node)
			starts[i] = time.Now()
			created, err := b.client.CoreV1().Pods(kbNamespace).Create(ctx, pod, metav1.CreateOptions{})
			if err != nil {
				errs[i] = err
				return
			}
			b.mu.Lock()
			b.podUIDs[created.UID] = true
			b.mu.Unlock()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		wl.err = err
		return wl
	}
	deadline := time.After(b.o.kbTimeout)
	for {
		if done, _ := w.count(names); done == n {
			break
		}
		select {
		case <-ctx.Done():
			wl.err = ctx.Err()
			return wl
		case <-p.exited:
			wl.err = fmt.Errorf("%s exited (%v); see %s", p.name, p.err, p.log.Name())
			return wl
		case <-deadline:
			done, missing := w.count(names)
			wl.err = fmt.Errorf("%d of %d pods Running and Ready after %v (not: %s)", done, n, b.o.kbTimeout, strings.Join(missing, " "))
			return wl
		case <-w.gone:
		case <-time.After(20 * time.Millisecond):
		}
	}
	last := first
	for i, name := range names {
		t := w.readyAt(name)
		wl.lat = append(wl.lat, t.Sub(starts[i]))
		if t.After(last) {
			last = t
		}
	}
	wl.all = last.Sub(first)
	wl.share = ph.end().share
	c1, s1 := b.runtimeCPUs()
	wl.ctrdCPU, wl.shimCPU, wl.kCPU = c1-c0, s1-s0, procCPU(p.cmd.Process.Pid)-k0
	if loaded != nil {
		loaded()
	}
	if wl.del, wl.err = b.deleteAll(ctx, p); wl.err != nil {
		wl.err = fmt.Errorf("delete: %w", wl.err)
	}
	return wl
}

func (b *kbBench) pod(name, node string) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{kbLabel: "true"}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "pause", Image: b.pause, ImagePullPolicy: corev1.PullIfNotPresent,
			}},
		},
	}
	if b.o.kbNodeName {
		pod.Spec.NodeName = node
	} else {
		pod.Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": node}
	}
	return pod
}

// deleteAll deletes every benchmark pod (default grace period: pause exits
// on SIGTERM at once) and waits until the API server has none left and the
// runtime has no ready sandbox.
func (b *kbBench) deleteAll(ctx context.Context, p *proc) (time.Duration, error) {
	t0 := time.Now()
	err := b.client.CoreV1().Pods(kbNamespace).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: kbLabel})
	if err != nil {
		return 0, err
	}
	deadline := time.Now().Add(b.o.kbTimeout)
	for {
		l, err := b.client.CoreV1().Pods(kbNamespace).List(ctx, metav1.ListOptions{LabelSelector: kbLabel})
		if err == nil && len(l.Items) == 0 {
			sb, err := b.rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: &runtimeapi.PodSandboxFilter{
				State: &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_READY}}})
			if err == nil && len(sb.Items) == 0 {
				return time.Since(t0), nil
			}
		}
		if time.Now().After(deadline) {
			n := -1
			if l != nil {
				n = len(l.Items)
			}
			return 0, fmt.Errorf("%d pods left %v after DeleteCollection (or sandboxes still ready)", n, b.o.kbTimeout)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-p.exited:
			return 0, fmt.Errorf("%s exited (%v)", p.name, p.err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// clearRuntime stops and removes every sandbox (with its containers,
// network and shim) in the benchmark's containerd.
func (b *kbBench) clearRuntime(ctx context.Context) error {
	if b.rt == nil {
		return nil
	}
	l, err := b.rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range l.Items {
		if _, err := b.rt.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: s.Id}); err != nil {
			errs = append(errs, err)
		}
		if _, err := b.rt.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: s.Id}); err != nil {
			errs = append(errs, err)
		}
	}
	if len(l.Items) > 0 {
		logf("removed %d sandboxes left in containerd", len(l.Items))
	}
	return errors.Join(errs...)
}

// removePodCgroups removes the pod-level cgroups (kubepods/.../pod<uid>)
// of the benchmark's pods that nobody removed, and returns for how many
// pods there were some (in any hierarchy). The shared kubepods hierarchy
// itself stays.
func (b *kbBench) removePodCgroups() int {
	b.mu.Lock()
	uids := make([]string, 0, len(b.podUIDs))
	for u := range b.podUIDs {
		uids = append(uids, string(u))
	}
	b.mu.Unlock()
	left := map[string]bool{}
	roots, _ := filepath.Glob("/sys/fs/cgroup/*")
	for _, root := range roots {
		for _, qos := range []string{"", "burstable", "besteffort"} {
			for _, u := range uids {
				for _, name := range []string{"pod" + u, "pod" + strings.ReplaceAll(u, "-", "_")} {
					d := filepath.Join(root, "kubepods", qos, name)
					if _, err := os.Stat(d); err != nil {
						continue
					}
					left[u] = true
					// Leaf first: containers' cgroups runc left behind.
					subs, _ := os.ReadDir(d)
					for _, s := range subs {
						if s.IsDir() {
							_ = syscall.Rmdir(filepath.Join(d, s.Name()))
						}
					}
					_ = syscall.Rmdir(d)
				}
			}
		}
	}
	return len(left)
}

// shimsRSS sums the RSS of the runc shims serving the benchmark's
// containerd.
func (b *kbBench) shimsRSS() (kib int64, n int) {
	for _, pid := range b.shimPids() {
		kib += pidRSS(pid)
		n++
	}
	return kib, n
}

// runtimeCPU is the CPU time of containerd and the live shims, with their
// reaped children (runc, CNI plugins).
func (b *kbBench) runtimeCPU() time.Duration {
	c, s := b.runtimeCPUs()
	return c + s
}

// runtimeCPUs splits runtimeCPU: containerd with its children (the CNI
// plugins, and the short-lived "shim start" processes), and the shims with
// theirs (runc).
func (b *kbBench) runtimeCPUs() (ctrd, shims time.Duration) {
	if b.ctrd == nil {
		return 0, 0
	}
	ctrd = procTreeCPU(b.ctrd.Pid())
	for _, pid := range b.shimPids() {
		shims += procTreeCPU(pid)
	}
	return ctrd, shims
}

// shimPids are the runc shims serving the benchmark's containerd.
func (b *kbBench) shimPids() []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	sock := b.ctrd.Address()
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		args := strings.Split(string(raw), "\x00")
		if !strings.Contains(args[0], "containerd-shim") {
			continue
		}
		for i, a := range args {
			if a == "-address" && i+1 < len(args) && args[i+1] == sock {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// cleanup leaves the machine as it was: no sandbox, containerd, bridge,
// IP lease or mount of the benchmark.
func (b *kbBench) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := b.clearRuntime(ctx); err != nil {
		logf("cleanup: sandboxes: %v", err)
	}
	b.removePodCgroups()
	if b.conn != nil {
		b.conn.Close()
	}
	if b.ctrd != nil {
		if err := b.ctrd.Stop(); err != nil {
			logf("cleanup: containerd: %v", err)
		}
		// Shims of sandboxes that could not be removed.
		if kib, n := b.shimsRSS(); n > 0 {
			logf("cleanup: %d shims (%d MiB) still serve %s", n, kib>>10, b.ctrd.Address())
		}
	}
	if out, err := exec.Command("ip", "link", "del", kbBridge).CombinedOutput(); err != nil && !strings.Contains(string(out), "Cannot find device") {
		logf("cleanup: ip link del %s: %v %s", kbBridge, err, strings.TrimSpace(string(out)))
	}
	// Upstream's kubelet links every container's log into /var/log/containers
	// (<pod>_<namespace>_<container>-<id>.log) and unlinks it only when its
	// garbage collector removes the container.
	if links, _ := filepath.Glob("/var/log/containers/*_" + kbNamespace + "_*.log"); len(links) > 0 {
		for _, l := range links {
			_ = os.Remove(l)
		}
		logf("cleanup: removed %d log links in /var/log/containers", len(links))
	}
	// Anything still mounted under the work dir (sandbox shm, rootfs)
	// would make its removal fail or reach into a container.
	if b.work != "" {
		if raw, err := os.ReadFile("/proc/self/mounts"); err == nil {
			var mnts []string
			for _, line := range strings.Split(string(raw), "\n") {
				f := strings.Fields(line)
				if len(f) > 1 && strings.HasPrefix(f[1], b.work+"/") {
					mnts = append(mnts, f[1])
				}
			}
			sort.Sort(sort.Reverse(sort.StringSlice(mnts)))
			for _, m := range mnts {
				if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil {
					logf("cleanup: umount %s: %v", m, err)
				}
			}
		}
	}
}

func pidRSS(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	p := &proc{cmd: &exec.Cmd{Process: &os.Process{Pid: pid}}}
	k, _ := p.rssKiB()
	return k
}

// kbWatch records when each expected pod was first seen Running and Ready.
type kbWatch struct {
	c     kubernetes.Interface
	mu    sync.Mutex
	ready map[string]time.Time
	gone  chan struct{}
}

func (w *kbWatch) start(ctx context.Context) error {
	f := informers.NewSharedInformerFactoryWithOptions(w.c, 0, informers.WithNamespace(kbNamespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = kbLabel }))
	inf := f.Core().V1().Pods().Informer()
	handle := func(obj any) {
		now := time.Now()
		p, ok := obj.(*corev1.Pod)
		if !ok || !podReady(p) {
			return
		}
		w.mu.Lock()
		if t, ok := w.ready[p.Name]; ok && t.IsZero() {
			w.ready[p.Name] = now
			select {
			case w.gone <- struct{}{}:
			default:
			}
		}
		w.mu.Unlock()
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: handle, UpdateFunc: func(_, o any) { handle(o) }}); err != nil {
		return err
	}
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return errors.New("pod informer did not sync")
	}
	return nil
}

func (w *kbWatch) expect(names []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, n := range names {
		w.ready[n] = time.Time{}
	}
}

func (w *kbWatch) count(names []string) (int, []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	done := 0
	var missing []string
	for _, n := range names {
		if !w.ready[n].IsZero() {
			done++
		} else {
			missing = append(missing, n)
		}
	}
	return done, missing
}

func (w *kbWatch) readyAt(name string) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ready[name]
}

type latStats struct{ p50, p99, max time.Duration }

// summarize gives nearest-rank percentiles (p99 of 30 samples is the
// maximum; of 10, too).
func summarize(ds []time.Duration) latStats {
	if len(ds) == 0 {
		return latStats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := func(q float64) time.Duration {
		i := int(math.Ceil(q*float64(len(s)))) - 1
		if i < 0 {
			i = 0
		}
		return s[i]
	}
	return latStats{p50: rank(0.5), p99: rank(0.99), max: s[len(s)-1]}
}

func renderKubeletReport(o options, b *kbBench, results []*kbResult) string {
	var sb strings.Builder
	batches, _ := parseBatches(o.kbBatches)
	fmt.Fprintf(&sb, "## Kubelet: pod start-up latency and RSS\n\n")
	fmt.Fprintf(&sb, "- date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&sb, "- machine: %s\n", machine())
	fmt.Fprintf(&sb, "- skiff binary: %s\n", skiffInfo)
	ctrdVer := "?"
	if out, err := exec.Command("containerd", "--version").Output(); err == nil {
		ctrdVer = strings.TrimSpace(string(out))
	}
	fmt.Fprintf(&sb, "- API server: `skiff server --disable-kubelet` (scheduler and controllers in it), shared by both kubelets; containerd: %s, one instance for both, CNI bridge + host-local\n", ctrdVer)
	pin := "nodeSelector kubernetes.io/hostname (the scheduler binds them)"
	if o.kbNodeName {
		pin = "spec.nodeName (no scheduler)"
	}
	fmt.Fprintf(&sb, "- pods: one container, the pause image (pre-pulled: CRI PullImage from the loopback registry took %v), pinned by %s; latency = just before the create call → the harness's watch sees phase Running and Ready=True\n",
		b.pullTime.Round(time.Millisecond), pin)
	for _, r := range results {
		fmt.Fprintf(&sb, "- %s: load average %s before, %s after; other processes used %.0f%% of a core before the run\n",
			r.name, r.loadBefore, r.loadAfter, 100*r.quietShare)
	}
	sb.WriteString("\n| metric |")
	for _, r := range results {
		fmt.Fprintf(&sb, " %s |", r.name)
	}
	sb.WriteString("\n|---|")
	for range results {
		sb.WriteString("---|")
	}
	sb.WriteString("\n")
	row := func(metric string, f func(*kbResult) string) {
		fmt.Fprintf(&sb, "| %s |", metric)
		for _, r := range results {
			fmt.Fprintf(&sb, " %s |", f(r))
		}
		sb.WriteString("\n")
	}
	sec := func(d time.Duration) string {
		if d == 0 {
			return "—"
		}
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	mib := func(k int64) string {
		if k == 0 {
			return "—"
		}
		return fmt.Sprintf("%.0f MiB", float64(k)/1024)
	}
	row("launch → Node Ready", func(r *kbResult) string { return sec(r.nodeReady) })
	if o.kbSingles > 0 {
		row(fmt.Sprintf("1 pod (%d in turn): first / p50 / max", o.kbSingles), func(r *kbResult) string {
			if len(r.single) == 0 {
				return "—"
			}
			st := summarize(r.single)
			return fmt.Sprintf("%s / **%s** / %s", sec(r.single[0]), sec(st.p50), sec(st.max))
		})
	}
	for _, n := range batches {
		if n == 1 && o.kbSingles > 0 {
			continue
		}
		find := func(r *kbResult) *kbWorkload {
			for _, w := range r.batches {
				if w.n == n && w.err == nil && len(w.lat) == n {
					return w
				}
			}
			return nil
		}
		row(fmt.Sprintf("%d pods at once: p50 / **p99** / max", n), func(r *kbResult) string {
			w := find(r)
			if w == nil {
				return "—"
			}
			st := summarize(w.lat)
			return fmt.Sprintf("%s / **%s** / %s", sec(st.p50), sec(st.p99), sec(st.max))
		})
		row(fmt.Sprintf("%d pods: first create → all Ready; delete → all gone", n), func(r *kbResult) string {
			w := find(r)
			if w == nil {
				return "—"
			}
			return fmt.Sprintf("%s; %s", sec(w.all), sec(w.del))
		})
	}
	last := batches[len(batches)-1]
	row("kubelet RSS idle", func(r *kbResult) string { return "**" + mib(r.idleRSS) + "**" })
	row(fmt.Sprintf("kubelet RSS with %d pods", last), func(r *kbResult) string { return "**" + mib(r.loadedRSS) + "**" })
	row(fmt.Sprintf("kubelet CPU idle (%v after Node Ready)", o.settle), func(r *kbResult) string { return fmt.Sprintf("%.2f s", r.idleCPU.Seconds()) })
	row("CPU, first create → last Ready: kubelet; containerd (+ CNI plugins) + shims (+ runc)", func(r *kbResult) string {
		var parts []string
		for _, w := range r.batches {
			if w.err == nil {
				parts = append(parts, fmt.Sprintf("%d pods: %.2f s; %.2f + %.2f s", w.n, w.kCPU.Seconds(), w.ctrdCPU.Seconds(), w.shimCPU.Seconds()))
			}
		}
		return strings.Join(parts, "<br>")
	})
	row(fmt.Sprintf("containerd RSS idle → with %d pods", last), func(r *kbResult) string {
		return fmt.Sprintf("%s → %s", mib(r.ctrdIdle), mib(r.ctrdLoaded))
	})
	row(fmt.Sprintf("shims with %d pods: count, RSS sum", last), func(r *kbResult) string {
		return fmt.Sprintf("%d, %s", r.shimCount, mib(r.shimsLoaded))
	})
	row("pods whose pod cgroup (kubepods/…/pod<uid>) was left after deletion", func(r *kbResult) string { return strconv.Itoa(r.leftCgroups) })
	row("other processes' CPU share, first create → last Ready", func(r *kbResult) string {
		var parts []string
		for _, w := range r.batches {
			parts = append(parts, fmt.Sprintf("%d: %.0f%%", w.n, 100*w.share))
		}
		return strings.Join(parts, ", ")
	})
	var errs []string
	for _, r := range results {
		for _, e := range r.errs {
			errs = append(errs, r.name+": "+e)
		}
	}
	if len(errs) > 0 {
		sb.WriteString("\nErrors:\n\n")
		for _, e := range errs {
			fmt.Fprintf(&sb, "- %s\n", e)
		}
	}
	return sb.String()
}
