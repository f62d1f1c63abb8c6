package main

// The controllers phase (-phase controllers): a Deployment of -replicas
// replicas across -nodes simulated nodes, handled by skiff's controllers
// in a process of their own (`skiff controller-manager`) and then by
// upstream kube-controller-manager v1.37.2, each against a fresh `skiff
// server --disable-controllers` with `skiff sim nodes` playing the
// kubelets. The harness binds the pods round-robin (no scheduler runs), so
// the pods also go Running and Ready and the controllers see the status
// updates a real cluster produces.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// cmSystem is one controller manager under test.
type cmSystem struct {
	name string
	// args builds its command line for a server's data dir and kubeconfig.
	bin  string
	args func(dataDir, kubeconfig string) []string
}

// cmResult is one controller manager's figures; a zero duration was not
// reached.
type cmResult struct {
	name                         string
	exist, ready, available      time.Duration
	cpu, cpuIdle                 time.Duration
	idleWindow                   time.Duration
	rssBefore, rssPeak, rssAfter int64
	serverCPU, simCPU            time.Duration
	share                        float64
	quietShare                   float64
	loadBefore, loadAfter        string
	errs                         []string
}

func runControllers(ctx context.Context, o options, work string) ([]*cmResult, error) {
	bin := filepath.Join(work, "skiff")
	if err := copyFile(bin, o.skiff, 0o755); err != nil {
		return nil, fmt.Errorf("copy skiff binary: %w", err)
	}
	skiffInfo = binaryInfo(o.skiff, bin)
	logf("skiff binary: %s", skiffInfo)

	var systems []cmSystem
	if !o.skipSkiff {
		systems = append(systems, cmSystem{name: "skiff controller-manager", bin: bin, args: func(_, kc string) []string {
			return []string{"controller-manager", "--kubeconfig", kc}
		}})
	}
	if !o.skipUpstream {
		binDir := filepath.Join(o.cacheDir, "bin")
		if err := ensureUpstream(ctx, o, binDir); err != nil {
			return nil, err
		}
		for _, q := range strings.Split(o.kcmQPS, ",") {
			q = strings.TrimSpace(q)
			if q == "" {
				continue
			}
			name := "kube-controller-manager (default QPS 20)"
			extra := []string{}
			if q != "default" {
				if _, err := strconv.ParseFloat(q, 32); err != nil {
					return nil, fmt.Errorf("-kcm-qps %q: %w", q, err)
				}
				name = "kube-controller-manager (--kube-api-qps " + q + ")"
				extra = []string{"--kube-api-qps", q, "--kube-api-burst", q}
			}
			systems = append(systems, cmSystem{name: name, bin: filepath.Join(binDir, "kube-controller-manager"), args: func(dir, kc string) []string {
				pki := filepath.Join(dir, "pki")
				return append([]string{
					"--kubeconfig", kc,
					"--controllers", "*",
					"--leader-elect=false",
					"--use-service-account-credentials=false",
					"--secure-port", "0",
					"--service-account-private-key-file", filepath.Join(pki, "sa.key"),
					"--root-ca-file", filepath.Join(pki, "ca.crt"),
					"--cluster-signing-cert-file", filepath.Join(pki, "ca.crt"),
					"--cluster-signing-key-file", filepath.Join(pki, "ca.key"),
				}, extra...)
			}})
		}
	}
	var results []*cmResult
	for i, s := range systems {
		r := measureCM(ctx, o, work, bin, i, s)
		results = append(results, r)
		if ctx.Err() != nil {
			return results, ctx.Err()
		}
	}
	return results, nil
}

func measureCM(ctx context.Context, o options, work, skiffBin string, run int, sys cmSystem) *cmResult {
	r := &cmResult{name: sys.name}
	fail := func(what string, err error) *cmResult {
		logf("%s: %s: %v", sys.name, what, err)
		r.errs = append(r.errs, fmt.Sprintf("%s: %v", what, err))
		return r
	}
	if share, err := waitQuiet(ctx, o.quiet, o.quietWait); err == nil {
		r.quietShare = share
	}
	r.loadBefore = loadAvg()
	defer func() { r.loadAfter = loadAvg() }()

	// A fresh API server with no controllers.
	dir := filepath.Join(work, fmt.Sprintf("ctl-%d", run))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail("data dir", err)
	}
	port, err := freePort()
	if err != nil {
		return fail("port", err)
	}
	srv, err := startProc("skiff", filepath.Join(work, fmt.Sprintf("ctl-%d-skiff.log", run)), skiffBin,
		"server", "--data-dir", dir, "--secure-port", strconv.Itoa(port), "--bind-address", "127.0.0.1", "--disable-controllers", "--disable-scheduler")
	if err != nil {
		return fail("skiff server", err)
	}
	defer srv.stop()
	if _, err := srv.waitReady(ctx, pollClient(nil), fmt.Sprintf("https://127.0.0.1:%d/readyz", port), "ok", 20*time.Millisecond, readyTimeout); err != nil {
		return fail("skiff server", err)
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	sk := &skiffSystem{dir: dir}
	cfg, err := sk.restConfig(ctx)
	if err != nil {
		return fail("kubeconfig", err)
	}
	cfg.QPS = -1
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fail("client", err)
	}

	// The simulated nodes.
	simp, err := startProc("sim", filepath.Join(work, fmt.Sprintf("ctl-%d-sim.log", run)), skiffBin,
		"sim", "nodes", "--kubeconfig", kubeconfig, "--count", strconv.Itoa(o.nodes), "--name-prefix", "sim-")
	if err != nil {
		return fail("sim nodes", err)
	}
	defer simp.stop()
	if err := waitFor(ctx, 2*time.Minute, simp, func() (bool, error) {
		l, err := c.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "sim.skiff.dev/node=true"})
		if err != nil {
			return false, err
		}
		return len(l.Items) == o.nodes, nil
	}); err != nil {
		return fail("sim nodes", err)
	}

	// The controller manager; it is up once the serviceaccount controller
	// has made default/default.
	cm, err := startProc(sys.name, filepath.Join(work, fmt.Sprintf("ctl-%d-cm.log", run)), sys.bin, sys.args(dir, kubeconfig)...)
	if err != nil {
		return fail("controller manager", err)
	}
	defer cm.stop()
	if err := waitFor(ctx, 2*time.Minute, cm, func() (bool, error) {
		_, err := c.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	}); err != nil {
		return fail("controller manager start", err)
	}
	// Let start-up work (informer lists, the first resyncs) finish, and
	// measure the idle cost meanwhile.
	idle0 := procCPU(cm.cmd.Process.Pid)
	select {
	case <-ctx.Done():
		return fail("settle", ctx.Err())
	case <-time.After(o.settle):
	}
	r.cpuIdle, r.idleWindow = procCPU(cm.cmd.Process.Pid)-idle0, o.settle
	r.rssBefore, _ = cm.rssKiB()

	// Watch the benchmark's pods and bind them, round-robin over the nodes.
	ns := "bench"
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		return fail("namespace", err)
	}
	w := newPodWatch(c, ns, o.nodes, o.replicas, o.bind)
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	if err := w.start(wctx); err != nil {
		return fail("pod watch", err)
	}

	// Sample the controller manager's RSS for the peak.
	var peak atomic.Int64
	peak.Store(r.rssBefore)
	sampleCtx, stopSampling := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if k, err := cm.rssKiB(); err == nil && k > peak.Load() {
				peak.Store(k)
			}
			select {
			case <-sampleCtx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()

	ph := beginPhase(sys.name)
	cpu0, srv0, sim0 := procCPU(cm.cmd.Process.Pid), procCPU(srv.cmd.Process.Pid), procCPU(simp.cmd.Process.Pid)
	start := time.Now()
	if _, err := c.AppsV1().Deployments(ns).Create(ctx, deployment(int32(o.replicas)), metav1.CreateOptions{}); err != nil {
		stopSampling()
		return fail("create Deployment", err)
	}
	logf("%s: Deployment of %d replicas created", sys.name, o.replicas)
	deadline := time.After(o.cmTimeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			runErr = ctx.Err()
			break loop
		case <-deadline:
			runErr = fmt.Errorf("not done after %v: %d pods exist, %d ready", o.cmTimeout, w.exist.Load(), w.ready.Load())
			break loop
		case <-cm.exited:
			runErr = fmt.Errorf("controller manager exited (%v); see %s", cm.err, cm.log.Name())
			break loop
		case <-tick.C:
		}
		now := time.Since(start)
		if r.exist == 0 && w.exist.Load() >= int64(o.replicas) {
			r.exist = now
			logf("%s: %d pods exist after %v", sys.name, o.replicas, now.Round(time.Millisecond))
		}
		if o.bind && r.ready == 0 && w.ready.Load() >= int64(o.replicas) {
			r.ready = now
			logf("%s: %d pods Running and Ready after %v", sys.name, o.replicas, now.Round(time.Millisecond))
		}
		if o.bind && r.available == 0 {
			if d, ok := w.deploymentAvailable(); ok && d >= int32(o.replicas) {
				r.available = now
				logf("%s: Deployment reports %d available after %v", sys.name, o.replicas, now.Round(time.Millisecond))
			}
		}
		if r.exist != 0 && (!o.bind || (r.ready != 0 && r.available != 0)) {
			break
		}
	}
	// Let the controller finish its trailing status writes before reading
	// its CPU; they belong to this workload.
	if runErr == nil {
		time.Sleep(2 * time.Second)
	}
	r.cpu = procCPU(cm.cmd.Process.Pid) - cpu0
	r.serverCPU = procCPU(srv.cmd.Process.Pid) - srv0
	r.simCPU = procCPU(simp.cmd.Process.Pid) - sim0
	r.share = ph.end().share
	stopSampling()
	<-sampled
	r.rssPeak = peak.Load()
	r.rssAfter, _ = cm.rssKiB()
	if runErr != nil {
		return fail("run", runErr)
	}
	logf("%s: controller CPU %v, RSS %d → peak %d → %d MiB; other processes used %.0f%% of a core", sys.name,
		r.cpu.Round(10*time.Millisecond), r.rssBefore>>10, r.rssPeak>>10, r.rssAfter>>10, 100*r.share)
	return r
}

func deployment(replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": "bench"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "bench"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "app", Image: "registry.k8s.io/pause:3.10",
				}}},
			},
		},
	}
}

// podWatch counts the benchmark's pods from a watch (no polling LISTs that
// would load the API server), binds unbound ones when asked, and tracks
// the Deployment's status.
type podWatch struct {
	c            kubernetes.Interface
	ns           string
	nodes        int
	bind         bool
	exist, ready atomic.Int64
	next         atomic.Int64
	mu           sync.Mutex
	seen         map[string]bool
	isReady      map[string]bool
	bindq        chan *corev1.Pod
	deploy       cache.Store
}

func newPodWatch(c kubernetes.Interface, ns string, nodes, replicas int, bind bool) *podWatch {
	return &podWatch{c: c, ns: ns, nodes: nodes, bind: bind, seen: map[string]bool{}, isReady: map[string]bool{},
		bindq: make(chan *corev1.Pod, replicas*2)}
}

func (w *podWatch) start(ctx context.Context) error {
	f := informers.NewSharedInformerFactoryWithOptions(w.c, 0, informers.WithNamespace(w.ns))
	pods := f.Core().V1().Pods().Informer()
	deps := f.Apps().V1().Deployments().Informer()
	w.deploy = deps.GetStore()
	handle := func(obj interface{}) {
		p, ok := obj.(*corev1.Pod)
		if !ok {
			return
		}
		w.mu.Lock()
		if !w.seen[p.Name] {
			w.seen[p.Name] = true
			w.exist.Add(1)
			if w.bind && p.Spec.NodeName == "" {
				w.bindq <- p
			}
		}
		if r := podReady(p); r != w.isReady[p.Name] {
			w.isReady[p.Name] = r
			if r {
				w.ready.Add(1)
			} else {
				w.ready.Add(-1)
			}
		}
		w.mu.Unlock()
	}
	if _, err := pods.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: handle, UpdateFunc: func(_, o interface{}) { handle(o) }}); err != nil {
		return err
	}
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), pods.HasSynced, deps.HasSynced) {
		return errors.New("informers did not sync")
	}
	for range 8 {
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case p := <-w.bindq:
					node := fmt.Sprintf("sim-%d", w.next.Add(1)%int64(w.nodes))
					err := w.c.CoreV1().Pods(p.Namespace).Bind(ctx, &corev1.Binding{
						ObjectMeta: metav1.ObjectMeta{Name: p.Name, UID: p.UID},
						Target:     corev1.ObjectReference{Kind: "Node", Name: node}}, metav1.CreateOptions{})
					if err != nil && ctx.Err() == nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
						logf("bind %s: %v", p.Name, err)
					}
				}
			}
		}()
	}
	return nil
}

func (w *podWatch) deploymentAvailable() (int32, bool) {
	for _, o := range w.deploy.List() {
		if d, ok := o.(*appsv1.Deployment); ok && d.Name == "bench" {
			return d.Status.AvailableReplicas, true
		}
	}
	return 0, false
}

func podReady(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitFor polls cond every 200 ms until it holds, p exits or timeout.
func waitFor(ctx context.Context, timeout time.Duration, p *proc, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ok, err := cond()
		if ok {
			return nil
		}
		if err != nil {
			last = err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v (last error: %v); see %s", timeout, last, p.log.Name())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.exited:
			return fmt.Errorf("%s exited (%v); see %s", p.name, p.err, p.log.Name())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func renderCMReport(o options, results []*cmResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Controllers: Deployment of %d replicas on %d simulated nodes\n\n", o.replicas, o.nodes)
	fmt.Fprintf(&b, "- date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "- machine: %s\n", machine())
	fmt.Fprintf(&b, "- skiff binary: %s\n", skiffInfo)
	fmt.Fprintf(&b, "- API server: `skiff server --disable-controllers` (fresh data dir per system); nodes: `skiff sim nodes --count %d`; ", o.nodes)
	if o.bind {
		b.WriteString("pods bound round-robin by the harness (no scheduler)\n")
	} else {
		b.WriteString("pods left unbound (no scheduler)\n")
	}
	for _, r := range results {
		fmt.Fprintf(&b, "- %s: load average %s before, %s after; other processes used %.0f%% of a core during the run (%.0f%% before it)\n",
			r.name, r.loadBefore, r.loadAfter, 100*r.share, 100*r.quietShare)
	}
	b.WriteString("\n| metric |")
	for _, r := range results {
		fmt.Fprintf(&b, " %s |", r.name)
	}
	b.WriteString("\n|---|")
	for range results {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	row := func(metric string, f func(*cmResult) string) {
		fmt.Fprintf(&b, "| %s |", metric)
		for _, r := range results {
			fmt.Fprintf(&b, " %s |", f(r))
		}
		b.WriteString("\n")
	}
	dur := func(d time.Duration) string {
		if d == 0 {
			return "—"
		}
		return fmt.Sprintf("**%.2f s**", d.Seconds())
	}
	mib := func(k int64) string {
		if k == 0 {
			return "—"
		}
		return fmt.Sprintf("%d MiB", k>>10)
	}
	row(fmt.Sprintf("create Deployment → all %d pods exist", o.replicas), func(r *cmResult) string { return dur(r.exist) })
	if o.bind {
		row(fmt.Sprintf("→ all %d pods Running and Ready (sim nodes)", o.replicas), func(r *cmResult) string { return dur(r.ready) })
		row(fmt.Sprintf("→ Deployment status: %d available", o.replicas), func(r *cmResult) string { return dur(r.available) })
	}
	row("controller CPU during the run", func(r *cmResult) string { return fmt.Sprintf("**%.2f s**", r.cpu.Seconds()) })
	row(fmt.Sprintf("controller CPU idle, %v after start", o.settle), func(r *cmResult) string { return fmt.Sprintf("%.2f s", r.cpuIdle.Seconds()) })
	row("controller RSS before → peak → after", func(r *cmResult) string {
		return fmt.Sprintf("%s → **%s** → %s", mib(r.rssBefore), mib(r.rssPeak), mib(r.rssAfter))
	})
	row("API server (skiff) CPU during the run", func(r *cmResult) string { return fmt.Sprintf("%.2f s", r.serverCPU.Seconds()) })
	row("sim nodes CPU during the run", func(r *cmResult) string { return fmt.Sprintf("%.2f s", r.simCPU.Seconds()) })
	var errs []string
	for _, r := range results {
		for _, e := range r.errs {
			errs = append(errs, r.name+": "+e)
		}
	}
	sort.Strings(errs)
	if len(errs) > 0 {
		b.WriteString("\nErrors:\n\n")
		for _, e := range errs {
			fmt.Fprintf(&b, "- %s\n", e)
		}
	}
	return b.String()
}
