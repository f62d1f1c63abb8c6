// Command bench measures skiff side by side with upstream kube-apiserver
// v1.37.2 + etcd v3.7.0 on the same machine, in one run, and prints a
// Markdown table: start-up time (fresh and with objects stored), idle RSS,
// ConfigMap create throughput (serial and concurrent) and full LIST latency.
//
//	cd hack/bench && go run . -skiff ../../bin/skiff
//
// Upstream binaries are built by build-upstream.sh into a cache directory
// outside the repository when they are missing. See README.md.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

type options struct {
	skiff        string
	cacheDir     string
	buildScript  string
	workDir      string
	objects      int
	creates      int
	concurrency  int
	lists        int
	readyRuns    int
	idle         time.Duration
	skipUpstream bool
	skipSkiff    bool
	authz        string
	contentType  string
	out          string
	keep         bool
	quiet        float64
	quietWait    time.Duration
	disturbed    float64
	// -phase scheduler (sched.go)
	schedNodes int
	schedPods  int
	schedOnly  string
	// -phase controllers
	phase     string
	replicas  int
	nodes     int
	bind      bool
	kcmQPS    string
	settle    time.Duration
	cmTimeout time.Duration
	// -phase kubelet (kubelet.go)
	kbBatches  string
	kbSingles  int
	kbPodCIDR  string
	kbTimeout  time.Duration
	kbNodeName bool
}

const warmupCreates = 50

func main() {
	home, _ := os.UserHomeDir()
	var o options
	flag.StringVar(&o.skiff, "skiff", "../../bin/skiff", "skiff binary (copied to the work dir before the run)")
	flag.StringVar(&o.cacheDir, "cache", filepath.Join(home, ".cache", "skiff-bench"), "cache dir for the upstream binaries (CACHE/bin/{kube-apiserver,etcd})")
	flag.StringVar(&o.buildScript, "build-script", "./build-upstream.sh", "script that builds the upstream binaries into -cache when missing")
	flag.StringVar(&o.workDir, "workdir", "", "where data dirs and logs go (default: a new temp dir)")
	flag.IntVar(&o.objects, "objects", 5000, "ConfigMaps stored for the LIST and restart measurements")
	flag.IntVar(&o.creates, "creates", 2000, "serial creates timed (the concurrent phase creates the rest of -objects)")
	flag.IntVar(&o.concurrency, "concurrency", 8, "workers in the concurrent create phase")
	flag.IntVar(&o.lists, "lists", 10, "timed LISTs (median reported)")
	flag.IntVar(&o.readyRuns, "ready-runs", 3, "start-ups timed per readiness row (median reported)")
	flag.DurationVar(&o.idle, "idle", 30*time.Second, "idle time after ready before reading RSS")
	flag.BoolVar(&o.skipUpstream, "skip-upstream", false, "measure skiff only")
	flag.BoolVar(&o.skipSkiff, "skip-skiff", false, "measure upstream only")
	flag.StringVar(&o.authz, "upstream-authz", "RBAC", "kube-apiserver --authorization-mode")
	flag.StringVar(&o.contentType, "content-type", "", "client-go wire format (default: client-go's default, JSON); e.g. application/vnd.kubernetes.protobuf")
	flag.StringVar(&o.out, "out", "", "also write the Markdown report to this file")
	flag.BoolVar(&o.keep, "keep", false, "keep the work dir (data dirs, logs) afterwards")
	flag.Float64Var(&o.quiet, "quiet", 0.15, "before each system and each retry, wait until other processes use less than this share of one core (over 10 s)")
	flag.DurationVar(&o.quietWait, "quiet-wait", 10*time.Minute, "longest wait for a quiet machine before each system (then measure anyway)")
	flag.Float64Var(&o.disturbed, "disturbed", 0.3, "a measurement during which other processes used more than this share of one core is redone (start-ups, create batches, LISTs; at most 3 tries) or marked ⚠")
	flag.IntVar(&o.schedNodes, "sched-nodes", 5000, "nodes in the scheduler workloads (preemption uses at most 500)")
	flag.IntVar(&o.schedPods, "sched-pods", 10000, "pods scheduled in the basic and topology-spread workloads")
	flag.StringVar(&o.schedOnly, "sched-only", "", "run only the scheduler workloads whose name contains this")
	flag.StringVar(&o.phase, "phase", "apiserver", "apiserver: API server + storage (start-up, RSS, creates, LIST); controllers: a Deployment on simulated nodes, skiff controller-manager vs kube-controller-manager; scheduler: scheduler_perf-style workloads, skiff scheduler vs kube-scheduler; kubelet: pod start-up latency and RSS, skiff agent vs kubelet on one containerd")
	flag.IntVar(&o.replicas, "replicas", 1000, "controllers phase: Deployment replicas")
	flag.IntVar(&o.nodes, "nodes", 100, "controllers phase: simulated nodes (skiff sim nodes)")
	flag.BoolVar(&o.bind, "bind", true, "controllers phase: bind the pods round-robin to the nodes (no scheduler runs) and wait until they are Ready and the Deployment available")
	flag.StringVar(&o.kcmQPS, "kcm-qps", "default,1000", "controllers phase: kube-controller-manager runs, one per comma-separated --kube-api-qps (=burst); \"default\" leaves its defaults (20/30)")
	flag.DurationVar(&o.settle, "settle", 10*time.Second, "controllers phase: wait after a controller manager is up before the workload (idle CPU is measured meanwhile)")
	flag.DurationVar(&o.cmTimeout, "cm-timeout", 5*time.Minute, "controllers phase: longest wait for the workload per controller manager")
	flag.StringVar(&o.kbBatches, "kubelet-batches", "10,30", "kubelet phase: pods created at once per batch, comma-separated; the last batch's size is the one RSS is read with")
	flag.IntVar(&o.kbSingles, "kubelet-singles", 5, "kubelet phase: single pods created one after the other (each deleted before the next)")
	flag.StringVar(&o.kbPodCIDR, "kubelet-pod-cidr", "10.42.10.0/24", "kubelet phase: the pod network (CNI bridge kbench0, host-local IPAM)")
	flag.DurationVar(&o.kbTimeout, "kubelet-timeout", 3*time.Minute, "kubelet phase: longest wait for a batch to be Ready, or to be gone after deletion")
	flag.BoolVar(&o.kbNodeName, "kubelet-node-name", false, "kubelet phase: pin pods with spec.nodeName (bypassing the scheduler) instead of a nodeSelector")
	flag.Parse()

	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
}

func run(o options) error {
	if o.phase == "apiserver" && o.objects < o.creates+warmupCreates+o.concurrency {
		return fmt.Errorf("-objects %d must exceed -creates %d + %d warm-up + -concurrency", o.objects, o.creates, warmupCreates)
	}
	if o.readyRuns < 1 || o.lists < 1 || o.concurrency < 1 {
		return errors.New("-ready-runs, -lists and -concurrency must be positive")
	}
	work := o.workDir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "skiff-bench-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	work, _ = filepath.Abs(work)
	failed := true
	defer func() {
		stopAll()
		if o.keep || failed {
			logf("work dir (data, logs) kept: %s", work)
		} else {
			_ = os.RemoveAll(work)
		}
	}()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	if o.phase == "scheduler" {
		err := runScheduler(ctx, o, work)
		failed = err != nil
		return err
	}
	if o.phase == "kubelet" {
		b, results, err := runKubelet(ctx, o, work)
		if err != nil && len(results) == 0 {
			return err
		}
		report := renderKubeletReport(o, b, results)
		fmt.Println(report)
		if o.out != "" {
			if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
				return err
			}
		}
		if err != nil {
			return err
		}
		for _, r := range results {
			if len(r.errs) > 0 {
				return errors.New("some measurements failed (see the table and the logs)")
			}
		}
		failed = false
		return nil
	}
	if o.phase == "controllers" {
		results, err := runControllers(ctx, o, work)
		if err != nil && len(results) == 0 {
			return err
		}
		report := renderCMReport(o, results)
		fmt.Println(report)
		if o.out != "" {
			if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
				return err
			}
		}
		if err != nil {
			return err
		}
		failed = false
		for _, r := range results {
			if len(r.errs) > 0 {
				failed = true
			}
		}
		if failed {
			return errors.New("some measurements failed (see the table and the logs)")
		}
		return nil
	} else if o.phase != "apiserver" {
		return fmt.Errorf("-phase %q: want apiserver, controllers, scheduler or kubelet", o.phase)
	}

	var results []*result
	if !o.skipSkiff {
		// The skiff binary may be rebuilt under us: run a private copy.
		bin := filepath.Join(work, "skiff")
		if err := copyFile(bin, o.skiff, 0o755); err != nil {
			return fmt.Errorf("copy skiff binary: %w", err)
		}
		skiffInfo = binaryInfo(o.skiff, bin)
		logf("skiff binary: %s", skiffInfo)
		r := measure(ctx, o, "skiff", newSkiff(bin, work))
		results = append(results, r)
	}
	if !o.skipUpstream {
		binDir := filepath.Join(o.cacheDir, "bin")
		if err := ensureUpstream(ctx, o, binDir); err != nil {
			return err
		}
		r := measure(ctx, o, "upstream", newUpstream(binDir, work, o.authz))
		results = append(results, r)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	report := renderReport(o, results)
	fmt.Println(report)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
			return err
		}
	}
	failed = false
	for _, r := range results {
		if len(r.errs) > 0 {
			failed = true
		}
	}
	if failed {
		return errors.New("some measurements failed (see the table and the logs)")
	}
	return nil
}

func ensureUpstream(ctx context.Context, o options, binDir string) error {
	missing := false
	for _, b := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"} {
		if _, err := os.Stat(filepath.Join(binDir, b)); err != nil {
			missing = true
		}
	}
	if !missing {
		return nil
	}
	logf("upstream binaries missing in %s: running %s (kube-apiserver takes ~6 min cold on 2 cores)", binDir, o.buildScript)
	cmd := exec.CommandContext(ctx, o.buildScript, o.cacheDir)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", o.buildScript, err)
	}
	return nil
}

// result is one system's measurements; a failed phase leaves its fields zero
// and records an error.
type result struct {
	name          string
	readyFresh    []startTimes
	readyRestart  []startTimes
	idleRSS       []namedRSS
	loadedRSS     []namedRSS
	serial, conc  createResult
	list          listResult
	restartCount  int
	errs          []string
	loadBefore    string
	loadAfter     string
	measuredStart time.Time
	quietShare    float64
	phases        []*phaseCPU
	idleShare     float64
	// start-ups thrown away because other processes were busy
	discardedFresh, discardedRestart int
}

func measure(ctx context.Context, o options, name string, s system) *result {
	r := &result{name: name}
	if share, err := waitQuiet(ctx, o.quiet, o.quietWait); err == nil {
		r.quietShare = share
	}
	r.loadBefore, r.measuredStart = loadAvg(), time.Now()
	defer func() {
		s.stop()
		r.loadAfter = loadAvg()
		for _, p := range r.phases {
			logf("%s: other processes used %.0f%% of a core during %s", name, 100*p.share, p.name)
		}
	}()
	fail := func(phase string, err error) *result {
		logf("%s: %s: %v", name, phase, err)
		r.errs = append(r.errs, fmt.Sprintf("%s: %v", phase, err))
		return r
	}
	// phase times f and records how much CPU other processes used meanwhile.
	phase := func(what string, f func() error) (float64, error) {
		p := beginPhase(what)
		err := f()
		p.end()
		r.phases = append(r.phases, p)
		return p.share, err
	}
	disturbed := func(share float64) bool { return share > o.disturbed }
	// startups collects -ready-runs undisturbed start-ups, making up to
	// 3×-ready-runs attempts; when all are disturbed it keeps them all.
	var lastReady time.Time
	startups := func(what string, start func(context.Context) (startTimes, error)) ([]startTimes, int, error) {
		var good, bad []startTimes
		for attempt := 0; len(good) < o.readyRuns && attempt < 3*o.readyRuns; attempt++ {
			var t startTimes
			share, err := phase(what, func() (err error) { t, err = start(ctx); return err })
			if err != nil {
				return nil, 0, err
			}
			lastReady = time.Now()
			t.share = share
			logf("%s: %s %d: ready in %v%s; other processes used %.0f%% of a core", name, what, attempt+1, t.ready.Round(time.Millisecond), t.etcdNote(), 100*share)
			if disturbed(share) {
				bad = append(bad, t)
				logf("%s: disturbed: discarded; waiting for a quiet machine", name)
				_, _ = waitQuiet(ctx, o.quiet, 2*time.Minute)
				continue
			}
			good = append(good, t)
		}
		if len(good) == 0 {
			return bad, 0, nil
		}
		return good, len(bad), nil
	}

	// 1a. Fresh start-ups; the last one stays up for the rest.
	var err error
	r.readyFresh, r.discardedFresh, err = startups("fresh start", s.startFresh)
	if err != nil {
		return fail("fresh start", err)
	}
	readyAt := lastReady // the instance that stays up

	// 2. Idle RSS, untouched by any client since ready.
	logf("%s: idle %v", name, o.idle)
	r.idleShare, err = phase("idle", func() error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Until(readyAt.Add(o.idle))):
		}
		var err error
		r.idleRSS, err = s.rss()
		return err
	})
	if err != nil {
		return fail("idle RSS", err)
	}
	logf("%s: idle RSS %s", name, strings.ReplaceAll(fmtRSSParts(r.idleRSS), "**", ""))

	// 3. Creates.
	cfg, err := s.restConfig(ctx)
	if err != nil {
		return fail("client config", err)
	}
	c, err := newClient(cfg, o.contentType)
	if err != nil {
		return fail("client", err)
	}
	if err := ensureNamespace(ctx, c, benchNS); err != nil {
		return fail("namespace", err)
	}
	if _, err := createConfigMaps(ctx, c, "warmup", warmupCreates, 1); err != nil {
		return fail("warm-up creates", err)
	}
	// A disturbed batch is deleted and created again (at most 3 tries).
	creates := func(prefix string, n, workers int) (createResult, error) {
		for attempt := 1; ; attempt++ {
			var cr createResult
			share, err := phase(prefix+" creates", func() (err error) {
				cr, err = createConfigMaps(ctx, c, prefix, n, workers)
				return err
			})
			if err != nil {
				return cr, err
			}
			cr.share = share
			logf("%s: %d %s creates (%d workers) in %v: %.0f/s; other processes used %.0f%% of a core",
				name, n, prefix, workers, cr.elapsed.Round(time.Millisecond), cr.perSec(), 100*share)
			if !disturbed(share) || attempt == 3 {
				return cr, nil
			}
			logf("%s: disturbed: deleting the batch and creating it again", name)
			if err := deleteBatch(ctx, c, prefix); err != nil {
				return cr, err
			}
			_, _ = waitQuiet(ctx, o.quiet, 2*time.Minute)
		}
	}
	if r.serial, err = creates("serial", o.creates, 1); err != nil {
		return fail("serial creates", err)
	}
	if r.conc, err = creates("concurrent", o.objects-o.creates-warmupCreates, o.concurrency); err != nil {
		return fail("concurrent creates", err)
	}

	// 4. LIST (at most 3 tries when disturbed).
	for attempt := 1; ; attempt++ {
		share, err := phase("LISTs", func() (err error) {
			r.list, err = listConfigMaps(ctx, c, o.lists, o.objects)
			return err
		})
		if err != nil {
			return fail("list", err)
		}
		r.list.share = share
		logf("%s: LIST of %d: median %v; other processes used %.0f%% of a core", name, r.list.items, r.list.median.Round(100*time.Microsecond), 100*share)
		if !disturbed(share) || attempt == 3 {
			break
		}
		_, _ = waitQuiet(ctx, o.quiet, 2*time.Minute)
	}
	if rss, err := s.rss(); err == nil {
		r.loadedRSS = rss
	}

	// 1b. Restarts with the objects stored.
	r.readyRestart, r.discardedRestart, err = startups(fmt.Sprintf("restart with %d ConfigMaps", o.objects), s.restart)
	if err != nil {
		return fail("restart", err)
	}
	// The data survived: the restarted server serves every object.
	cfg, err = s.restConfig(ctx)
	if err == nil {
		c, err = newClient(cfg, o.contentType)
	}
	if err == nil {
		r.restartCount, err = countConfigMaps(ctx, c)
	}
	if err != nil {
		return fail("count after restart", err)
	}
	if r.restartCount != o.objects {
		return fail("count after restart", fmt.Errorf("%d ConfigMaps, want %d", r.restartCount, o.objects))
	}
	return r
}

// ------------------------------------------------------------- report

func renderReport(o options, results []*result) string {
	var sk, up *result
	for _, r := range results {
		switch r.name {
		case "skiff":
			sk = r
		case "upstream":
			up = r
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## skiff vs upstream kube-apiserver v1.37.2 + etcd v3.7.0\n\n")
	fmt.Fprintf(&b, "- date: %s\n", time.Now().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "- machine: %s\n", machine())
	if skiffInfo != "" {
		fmt.Fprintf(&b, "- skiff binary: %s\n", skiffInfo)
	}
	for _, r := range results {
		fmt.Fprintf(&b, "- load average (1/5/15 min) %s: %s before, %s after\n", r.name, r.loadBefore, r.loadAfter)
	}
	for _, r := range results {
		var ps []string
		for _, p := range r.phases {
			ps = append(ps, fmt.Sprintf("%s %.0f%%", p.name, 100*p.share))
		}
		fmt.Fprintf(&b, "- CPU used by other processes (share of one core) during %s's phases: %s (before start: %.0f%%)\n", r.name, strings.Join(ps, ", "), 100*r.quietShare)
	}
	fmt.Fprintf(&b, "- settings: %d ConfigMaps, %d serial creates (+%d untimed warm-up), %d %d-way creates, %d timed LISTs, %d start-ups per readiness row (median; min–max), %v idle; client-go QPS -1, content type %s; upstream --authorization-mode=%s\n\n",
		o.objects, o.creates, warmupCreates, o.objects-o.creates-warmupCreates, o.concurrency, o.lists, o.readyRuns, o.idle,
		orDefault(o.contentType, "client-go default (JSON)"), o.authz)

	b.WriteString("| metric | skiff | upstream | target / verdict |\n|---|---|---|---|\n")
	row := func(metric, s, u, v string) { fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", metric, s, u, v) }

	warn := func(share float64) string {
		if share > o.disturbed {
			return fmt.Sprintf(" ⚠ (others used %.0f%% of a core)", 100*share)
		}
		return ""
	}
	readyCell := func(r *result, ts []startTimes, discarded int, etcd bool) string {
		if r == nil {
			return "skipped"
		}
		if len(ts) == 0 {
			return "failed"
		}
		s := fmtSpread(durations(ts, func(t startTimes) time.Duration { return t.ready }))
		worst := 0.0
		for _, t := range ts {
			worst = max(worst, t.share)
		}
		s += warn(worst)
		if discarded > 0 {
			s += fmt.Sprintf(" [%d disturbed start-ups discarded]", discarded)
		}
		if etcd {
			s += "<br>(etcd already up; etcd's own start → /health: " + strings.ReplaceAll(fmtSpread(durations(ts, func(t startTimes) time.Duration { return t.etcd })), "**", "") + ")"
		}
		return s
	}
	readyVerdict := func(ts []startTimes) string {
		if len(ts) == 0 {
			return "skiff < 1 s: n/a"
		}
		m := medianOf(durations(ts, func(t startTimes) time.Duration { return t.ready }))
		return "skiff < 1 s: " + passMiss(m < time.Second)
	}
	var skFresh, skRestart, upFresh, upRestart []startTimes
	var skFreshD, skRestartD, upFreshD, upRestartD int
	if sk != nil {
		skFresh, skRestart = sk.readyFresh, sk.readyRestart
		skFreshD, skRestartD = sk.discardedFresh, sk.discardedRestart
	}
	if up != nil {
		upFresh, upRestart = up.readyFresh, up.readyRestart
		upFreshD, upRestartD = up.discardedFresh, up.discardedRestart
	}
	row("launch → /readyz ok, fresh empty data dir",
		readyCell(sk, skFresh, skFreshD, false), readyCell(up, upFresh, upFreshD, true), readyVerdict(skFresh))
	row(fmt.Sprintf("launch → /readyz ok, restart with %d ConfigMaps stored", o.objects),
		readyCell(sk, skRestart, skRestartD, false), readyCell(up, upRestart, upRestartD, true), readyVerdict(skRestart))

	// RSS.
	rssCell := func(r *result, parts []namedRSS) string {
		if r == nil {
			return "skipped"
		}
		if len(parts) == 0 {
			return "failed"
		}
		return fmtRSSParts(parts)
	}
	idleCell := func(r *result) string {
		if r == nil || len(r.idleRSS) == 0 {
			return rssCell(r, nil)
		}
		return fmtRSSParts(r.idleRSS) + warn(r.idleShare)
	}
	rssVerdict := "skiff ≤ ½ × (apiserver + etcd): n/a"
	if sk != nil && up != nil && len(sk.idleRSS) > 0 && len(up.idleRSS) > 0 {
		s, u := sumRSS(sk.idleRSS), sumRSS(up.idleRSS)
		rssVerdict = fmt.Sprintf("skiff ≤ ½ × (apiserver + etcd) = %.0f MiB: %s (%.0f%% of upstream)", float64(u)/2/1024, passMiss(2*s <= u), 100*float64(s)/float64(u))
	}
	row(fmt.Sprintf("RSS after %v idle (VmRSS)", o.idle), idleCell(sk), idleCell(up), rssVerdict)

	// Creates.
	createCell := func(r *result, c func(*result) createResult) string {
		if r == nil {
			return "skipped"
		}
		cr := c(r)
		if cr.n == 0 {
			return "failed"
		}
		return fmt.Sprintf("**%.0f/s** (%d in %.2f s; p50 %s, p99 %s)", cr.perSec(), cr.n, cr.elapsed.Seconds(), fmtDur(cr.p50), fmtDur(cr.p99)) + warn(cr.share)
	}
	createVerdict := func(c func(*result) createResult) string {
		if sk == nil || up == nil || c(sk).n == 0 || c(up).n == 0 {
			return "skiff ≥ upstream: n/a"
		}
		s, u := c(sk).perSec(), c(up).perSec()
		return fmt.Sprintf("skiff ≥ upstream: %s (%.2f×)", passMiss(s >= u), s/u)
	}
	serial := func(r *result) createResult { return r.serial }
	conc := func(r *result) createResult { return r.conc }
	row("ConfigMap creates/s, serial", createCell(sk, serial), createCell(up, serial), createVerdict(serial))
	row(fmt.Sprintf("ConfigMap creates/s, %d-way concurrent", o.concurrency), createCell(sk, conc), createCell(up, conc), createVerdict(conc))

	// LIST.
	listCell := func(r *result) string {
		if r == nil {
			return "skipped"
		}
		if r.list.runs == 0 {
			return "failed"
		}
		return fmt.Sprintf("**%s** (%s–%s)", fmtDur(r.list.median), fmtDur(r.list.min), fmtDur(r.list.max)) + warn(r.list.share)
	}
	listVerdict := "no target"
	if sk != nil && up != nil && sk.list.runs > 0 && up.list.runs > 0 {
		listVerdict = fmt.Sprintf("no target (skiff/upstream %.2f×)", float64(sk.list.median)/float64(up.list.median))
	}
	row(fmt.Sprintf("full LIST of %d ConfigMaps, median of %d", o.objects, o.lists), listCell(sk), listCell(up), listVerdict)
	row(fmt.Sprintf("RSS after the creates and LISTs (%d objects)", o.objects),
		rssCell(sk, get(sk, func(r *result) []namedRSS { return r.loadedRSS })),
		rssCell(up, get(up, func(r *result) []namedRSS { return r.loadedRSS })), "no target")

	fmt.Fprintf(&b, "\n⚠ marks a kept measurement during which other processes used more than %.0f%% of one core (disturbed start-ups are retried, then discarded; disturbed create batches and LISTs are redone, at most 3 tries).\n", 100*o.disturbed)
	for _, r := range results {
		for _, e := range r.errs {
			fmt.Fprintf(&b, "\n**%s failed** — %s", r.name, e)
		}
	}
	return b.String()
}

func get[T any](r *result, f func(*result) T) T {
	var zero T
	if r == nil {
		return zero
	}
	return f(r)
}

func durations(ts []startTimes, f func(startTimes) time.Duration) []time.Duration {
	var ds []time.Duration
	for _, t := range ts {
		ds = append(ds, f(t))
	}
	return ds
}

func medianOf(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return median(s)
}

func fmtSpread(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 1 {
		return "**" + fmtDur(s[0]) + "**"
	}
	return fmt.Sprintf("**%s** (%s–%s)", fmtDur(median(s)), fmtDur(s[0]), fmtDur(s[len(s)-1]))
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
}

func sumRSS(parts []namedRSS) int64 {
	var s int64
	for _, p := range parts {
		s += p.kib
	}
	return s
}

func fmtRSSParts(parts []namedRSS) string {
	if len(parts) == 1 {
		return fmt.Sprintf("**%.0f MiB**", float64(parts[0].kib)/1024)
	}
	var ps []string
	for _, p := range parts {
		ps = append(ps, fmt.Sprintf("%s %.0f MiB", p.name, float64(p.kib)/1024))
	}
	return fmt.Sprintf("%s = **%.0f MiB**", strings.Join(ps, " + "), float64(sumRSS(parts))/1024)
}

func passMiss(ok bool) string {
	if ok {
		return "PASS"
	}
	return "**MISS**"
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// skiffInfo identifies the skiff binary measured.
var skiffInfo string

// binaryInfo describes the copy of the skiff binary (size, hash, the
// original's modification time) and, best effort, the repository's commit.
func binaryInfo(orig, cp string) string {
	info := orig
	if fi, err := os.Stat(orig); err == nil {
		info += fmt.Sprintf(" (built %s)", fi.ModTime().UTC().Format("2006-01-02 15:04:05 MST"))
	}
	if f, err := os.Open(cp); err == nil {
		h := sha256.New()
		if n, err := io.Copy(h, f); err == nil {
			info += fmt.Sprintf(", %.0f MB, sha256 %x", float64(n)/1e6, h.Sum(nil)[:6])
		}
		f.Close()
	}
	if out, err := exec.Command("git", "-C", filepath.Dir(orig), "describe", "--always", "--dirty").Output(); err == nil {
		info += ", repo at " + strings.TrimSpace(string(out))
	}
	return info
}

func machine() string {
	model := "?"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		s := bufio.NewScanner(f)
		for s.Scan() {
			if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	mem := "?"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				var kib int64
				fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kib)
				mem = fmt.Sprintf("%.1f GiB", float64(kib)/(1<<20))
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%d CPUs (%s), %s RAM, Linux %s, %s %s/%s", runtime.NumCPU(), model, mem,
		strings.TrimSpace(string(kernel)), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
