package main

// The scheduler benchmark (-scheduler): scheduler_perf-style workloads on
// nodes that exist only as API objects, scheduled once by skiff's scheduler
// (`skiff scheduler`) and once by upstream kube-scheduler v1.37.2, both as
// separate processes against the same kind of fresh `skiff server` (its own
// scheduler and controllers off). Every measured pod is created before the
// scheduler starts, so the figure is the scheduler's own throughput: pods
// bound per second between the first and the last binding, not how fast the
// harness can create pods.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

const schedNamespace = "sched-bench"

// workload is one scheduler_perf-style case.
type workload struct {
	name  string
	nodes int
	// nodeCPU is each node's allocatable CPU in millicores.
	nodeCPU int64
	// initPods are bound to nodes at creation (they fill nodes for
	// preemption); measured pods wait for the scheduler.
	initPods int
	pods     int
	initPod  func(i int) *corev1.Pod
	pod      func(i int) *corev1.Pod
}

func schedWorkloads(nodes, pods int) []workload {
	small := func(name string, cpu string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "bench"}},
			Spec: corev1.PodSpec{
				TerminationGracePeriodSeconds: new(int64),
				Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse("64Mi")}}}},
			},
		}
	}
	anti := min(pods, nodes/5)
	preemptNodes := min(nodes, 500)
	return []workload{
		{name: "basic", nodes: nodes, nodeCPU: 32000, pods: pods, pod: func(i int) *corev1.Pod {
			return small(fmt.Sprintf("basic-%d", i), "100m")
		}},
		// Upstream's SchedulingPodAntiAffinity: every pod repels the others
		// from its node, so each lands on a node of its own.
		{name: "pod anti-affinity", nodes: nodes, nodeCPU: 32000, pods: anti, pod: func(i int) *corev1.Pod {
			p := small(fmt.Sprintf("anti-%d", i), "100m")
			p.Labels = map[string]string{"color": "anti"}
			p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
					LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"color": "anti"}},
					TopologyKey:   "kubernetes.io/hostname",
				}},
			}}
			return p
		}},
		// Upstream's TopologySpreading: an even spread over zones, hard.
		{name: "topology spread", nodes: nodes, nodeCPU: 32000, pods: pods, pod: func(i int) *corev1.Pod {
			p := small(fmt.Sprintf("spread-%d", i), "100m")
			p.Labels = map[string]string{"app": "spread"}
			p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
				MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.DoNotSchedule,
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "spread"}},
			}}
			return p
		}},
		// Upstream's PreemptionBasic: nodes full of low-priority pods, each
		// high-priority pod must evict one.
		{name: "preemption", nodes: preemptNodes, nodeCPU: 4000, initPods: preemptNodes * 4, pods: preemptNodes,
			initPod: func(i int) *corev1.Pod {
				p := small(fmt.Sprintf("low-%d", i), "900m")
				p.Spec.PriorityClassName = "bench-low"
				p.Spec.NodeName = fmt.Sprintf("node-%d", i/4)
				return p
			},
			pod: func(i int) *corev1.Pod {
				p := small(fmt.Sprintf("high-%d", i), "900m")
				p.Spec.PriorityClassName = "bench-high"
				return p
			}},
	}
}

// schedResult is one workload on one scheduler.
type schedResult struct {
	system, workload string
	nodes, pods      int
	bound            int
	elapsed          time.Duration // first binding → last binding
	sinceStart       time.Duration // scheduler launch → last binding
	cpu              time.Duration
	rssKiB           int64
	err              error
}

func (r schedResult) perSec() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.bound) / r.elapsed.Seconds()
}

// schedulerConfig lifts client-side throttling for both schedulers, as
// upstream's scheduler_perf does; the defaults (50 QPS) would measure the
// rate limiter.
const schedulerConfig = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
leaderElection:
  leaderElect: false
clientConnection:
  kubeconfig: %s
  qps: 5000
  burst: 5000
`

func runScheduler(ctx context.Context, o options, work string) error {
	var systems []string
	if !o.skipSkiff {
		systems = append(systems, "skiff")
	}
	binDir := filepath.Join(o.cacheDir, "bin")
	if !o.skipUpstream {
		if err := ensureUpstream(ctx, o, binDir); err != nil {
			return err
		}
		systems = append(systems, "upstream")
	}
	bin := filepath.Join(work, "skiff")
	if err := copyFile(bin, o.skiff, 0o755); err != nil {
		return fmt.Errorf("copy skiff binary: %w", err)
	}
	skiffInfo = binaryInfo(o.skiff, bin)
	var results []schedResult
	for _, w := range schedWorkloads(o.schedNodes, o.schedPods) {
		if o.schedOnly != "" && !strings.Contains(w.name, o.schedOnly) {
			continue
		}
		for _, sys := range systems {
			if _, err := waitQuiet(ctx, o.quiet, o.quietWait); err != nil {
				return err
			}
			logf("scheduler %s: %s (%d nodes, %d pods)", sys, w.name, w.nodes, w.pods)
			r := runSchedWorkload(ctx, bin, binDir, work, sys, w)
			if r.err != nil {
				logf("  failed: %v", r.err)
			} else {
				logf("  %d pods bound in %s: %.0f pods/s", r.bound, r.elapsed.Round(time.Millisecond), r.perSec())
			}
			results = append(results, r)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	report := renderSchedReport(results)
	fmt.Println(report)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
			return err
		}
	}
	for _, r := range results {
		if r.err != nil {
			return fmt.Errorf("%s/%s: %w", r.system, r.workload, r.err)
		}
	}
	return nil
}

func runSchedWorkload(ctx context.Context, bin, binDir, work, system string, w workload) schedResult {
	r := schedResult{system: system, workload: w.name, nodes: w.nodes, pods: w.pods}
	dir, err := os.MkdirTemp(work, "sched-")
	if err != nil {
		r.err = err
		return r
	}
	defer os.RemoveAll(dir)
	port, err := freePort()
	if err != nil {
		r.err = err
		return r
	}
	srv, err := startProc("skiff", filepath.Join(work, "skiff.log"), bin, "server", "--data-dir", dir,
		"--secure-port", strconv.Itoa(port), "--bind-address", "127.0.0.1", "--unsafe-no-fsync",
		"--disable-scheduler", "--disable-controllers")
	if err != nil {
		r.err = err
		return r
	}
	defer srv.stop()
	if _, err := srv.waitReady(ctx, pollClient(nil), fmt.Sprintf("https://127.0.0.1:%d/readyz", port), "ok", pollInterval, readyTimeout); err != nil {
		r.err = err
		return r
	}
	sk := &skiffSystem{dir: dir}
	cfg, err := sk.restConfig(ctx)
	if err != nil {
		r.err = err
		return r
	}
	c, err := newClient(cfg, "application/vnd.kubernetes.protobuf")
	if err != nil {
		r.err = err
		return r
	}
	if err := populate(ctx, c, w); err != nil {
		r.err = fmt.Errorf("populate: %w", err)
		return r
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	confPath := filepath.Join(dir, "scheduler.yaml")
	if err := os.WriteFile(confPath, []byte(fmt.Sprintf(schedulerConfig, kubeconfig)), 0o644); err != nil {
		r.err = err
		return r
	}

	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	binds := make(chan time.Time, w.pods)
	if err := watchBindings(watchCtx, c, binds); err != nil {
		r.err = err
		return r
	}

	var sched *proc
	if system == "skiff" {
		sched, err = startProc("skiff-scheduler", filepath.Join(work, "scheduler.log"), bin, "scheduler", "--config", confPath)
	} else {
		sched, err = startProc("kube-scheduler", filepath.Join(work, "scheduler.log"), filepath.Join(binDir, "kube-scheduler"),
			"--config", confPath, "--secure-port", "0", "--v", "0")
	}
	if err != nil {
		r.err = err
		return r
	}
	defer sched.stop()
	cpu0 := procCPU(sched.cmd.Process.Pid)
	var first, last time.Time
	deadline := time.After(10 * time.Minute)
	for r.bound < w.pods && r.err == nil {
		select {
		case t := <-binds:
			if r.bound == 0 {
				first = t
			}
			last = t
			r.bound++
		case <-sched.exited:
			r.err = fmt.Errorf("scheduler exited: %v (see scheduler.log)", sched.err)
		case <-deadline:
			r.err = fmt.Errorf("only %d of %d pods bound after 10 min", r.bound, w.pods)
		case <-ctx.Done():
			r.err = ctx.Err()
		}
	}
	r.elapsed = last.Sub(first)
	r.sinceStart = last.Sub(sched.started)
	r.cpu = procCPU(sched.cmd.Process.Pid) - cpu0
	r.rssKiB, _ = sched.rssKiB()
	return r
}

// populate creates the namespace, its default ServiceAccount (no
// controllers run), the priority classes, the nodes, the pods bound at
// creation and the pending measured pods.
func populate(ctx context.Context, c kubernetes.Interface, w workload) error {
	if err := ensureNamespace(ctx, c, schedNamespace); err != nil {
		return err
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	if _, err := c.CoreV1().ServiceAccounts(schedNamespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	for name, value := range map[string]int32{"bench-low": 10, "bench-high": 1000} {
		pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value}
		if _, err := c.SchedulingV1().PriorityClasses().Create(ctx, pc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	if err := parallel(ctx, w.nodes, func(i int) error { return createNode(ctx, c, i, w.nodeCPU) }); err != nil {
		return err
	}
	if w.initPod != nil {
		if err := parallel(ctx, w.initPods, func(i int) error { return createPod(ctx, c, w.initPod(i)) }); err != nil {
			return err
		}
	}
	return parallel(ctx, w.pods, func(i int) error { return createPod(ctx, c, w.pod(i)) })
}

func createNode(ctx context.Context, c kubernetes.Interface, i int, cpu int64) error {
	name := fmt.Sprintf("node-%d", i)
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    *resource.NewMilliQuantity(cpu, resource.DecimalSI),
		corev1.ResourceMemory: resource.MustParse("64Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		"kubernetes.io/hostname":      name,
		"kubernetes.io/os":            "linux",
		"topology.kubernetes.io/zone": fmt.Sprintf("zone-%d", i%10),
	}}}
	created, err := c.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	created.Status = corev1.NodeStatus{
		Capacity: capacity, Allocatable: capacity,
		Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}},
	}
	updated, err := c.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	// Admission taints a new node not-ready; with no node lifecycle
	// controller running, lift the taint as it would for a Ready node.
	if len(updated.Spec.Taints) > 0 {
		_, err = c.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, []byte(`{"spec":{"taints":null}}`), metav1.PatchOptions{})
	}
	return err
}

func createPod(ctx context.Context, c kubernetes.Interface, p *corev1.Pod) error {
	_, err := c.CoreV1().Pods(schedNamespace).Create(ctx, p, metav1.CreateOptions{})
	return err
}

// parallel runs f(0..n-1) on 16 workers and returns the first error.
func parallel(ctx context.Context, n int, f func(int) error) error {
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// watchBindings sends the time each pending pod in the namespace gets a
// node. Pods bound at creation are not pending and are not counted.
func watchBindings(ctx context.Context, c kubernetes.Interface, out chan<- time.Time) error {
	list, err := c.CoreV1().Pods(schedNamespace).List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", "").String()})
	if err != nil {
		return err
	}
	pending := map[string]bool{}
	for _, p := range list.Items {
		pending[p.Name] = true
	}
	// A watch the server ends early (timeout, slow consumer) resumes from
	// the last resourceVersion seen, so no binding goes uncounted.
	wi, err := watchtools.NewRetryWatcherWithContext(ctx, list.ResourceVersion, &cache.ListWatch{
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return c.CoreV1().Pods(schedNamespace).Watch(ctx, o)
		},
	})
	if err != nil {
		return err
	}
	go func() {
		defer wi.Stop()
		for ev := range wi.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if !ok || ev.Type != watch.Modified || !pending[p.Name] || p.Spec.NodeName == "" {
				continue
			}
			delete(pending, p.Name)
			out <- time.Now()
		}
	}()
	return nil
}

func renderSchedReport(results []schedResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Scheduler throughput (%s)\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %s. skiff: %s. Both schedulers run as their own process against a fresh `skiff server --disable-scheduler --disable-controllers`, with client QPS/burst 5000, after every pod exists.\n\n", machine(), skiffInfo)
	b.WriteString("| workload | nodes | pods | skiff pods/s | upstream pods/s | skiff CPU s / RSS | upstream CPU s / RSS |\n|---|---|---|---|---|---|---|\n")
	byKey := map[string]map[string]schedResult{}
	var order []string
	for _, r := range results {
		if byKey[r.workload] == nil {
			byKey[r.workload] = map[string]schedResult{}
			order = append(order, r.workload)
		}
		byKey[r.workload][r.system] = r
	}
	cell := func(r schedResult, ok bool) (string, string) {
		switch {
		case !ok:
			return "—", "—"
		case r.err != nil:
			return "failed: " + r.err.Error(), "—"
		}
		return fmt.Sprintf("%.0f (%d in %s)", r.perSec(), r.bound, r.elapsed.Round(time.Millisecond)),
			fmt.Sprintf("%.1f / %d MiB", r.cpu.Seconds(), r.rssKiB/1024)
	}
	for _, w := range order {
		s, sok := byKey[w]["skiff"]
		u, uok := byKey[w]["upstream"]
		n, p := s.nodes, s.pods
		if !sok {
			n, p = u.nodes, u.pods
		}
		st, sr := cell(s, sok)
		ut, ur := cell(u, uok)
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %s | %s |\n", w, n, p, st, ut, sr, ur)
	}
	return b.String()
}
