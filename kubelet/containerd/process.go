package containerd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Options configures a private containerd. Only Dir and SandboxImage are
// required.
type Options struct {
	Dir          string // everything lives under it: root/, state/, runc/, config.toml, containerd.sock, containerd.log
	SandboxImage string // the CRI sandbox_image, e.g. "127.0.0.1:5000/skiff/pause:3.10"
	CNIBinDir    string // default: the first of /usr/lib/cni (Debian), /opt/cni/bin that exists
	CNIConfDir   string // default Dir/cni/net.d
	Binary       string // default "containerd" from PATH
	LogFile      string // containerd's stdout and stderr are appended here; default Dir/containerd.log

	// StartTimeout bounds the wait for the socket to answer; default 30s.
	StartTimeout time.Duration
}

// cniBinDirs are where distributions put the CNI plugins, in order of preference.
var cniBinDirs = []string{"/usr/lib/cni", "/opt/cni/bin"}

// maxSocketPath is the longest path a unix socket address can hold
// (sun_path is 108 bytes with the terminating NUL); containerd also listens
// on the same path + ".ttrpc".
const maxSocketPath = 107 - len(".ttrpc")

func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		return o, errors.New("containerd: Options.Dir is required")
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return o, err
	}
	o.Dir = dir
	if o.SandboxImage == "" {
		return o, errors.New("containerd: Options.SandboxImage is required (no registry is reachable for the default pause image)")
	}
	if o.CNIBinDir == "" {
		o.CNIBinDir = findCNIBinDir()
	}
	if o.CNIConfDir == "" {
		o.CNIConfDir = filepath.Join(o.Dir, "cni", "net.d")
	}
	if o.Binary == "" {
		o.Binary = "containerd"
	}
	if o.LogFile == "" {
		o.LogFile = filepath.Join(o.Dir, logFile)
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 30 * time.Second
	}
	if p := filepath.Join(o.Dir, socketFile); len(p) > maxSocketPath {
		return o, fmt.Errorf("containerd: socket path %s is longer than %d bytes, the unix socket limit; use a shorter Dir", p, maxSocketPath)
	}
	return o, nil
}

func findCNIBinDir() string {
	for _, d := range cniBinDirs {
		if _, err := os.Stat(filepath.Join(d, "bridge")); err == nil {
			return d
		}
	}
	return cniBinDirs[0]
}

// Available reports why containerd cannot run pods here, or nil when
// containerd, runc, the runc v2 shim and the CNI plugins skiff's conflist
// uses are all installed.
func Available() error {
	var missing []string
	for _, b := range []string{"containerd", "containerd-shim-runc-v2", "runc"} {
		if _, err := exec.LookPath(b); err != nil {
			missing = append(missing, b)
		}
	}
	dir := findCNIBinDir()
	for _, p := range cniPlugins {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			missing = append(missing, "CNI plugin "+p+" (looked in "+strings.Join(cniBinDirs, ", ")+")")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("not installed: %s (Debian: apt-get install containerd runc containernetworking-plugins)", strings.Join(missing, ", "))
	}
	return nil
}

// Process is a running containerd.
type Process struct {
	o        Options
	endpoint string
	pid      int
	cmd      *exec.Cmd     // nil when Start reused a containerd it found running
	exited   chan struct{} // closed when cmd has been waited for
	waitErr  error
	reused   bool
}

// Endpoint is the CRI endpoint, "unix:///<Dir>/containerd.sock", as
// k8s.io/cri-client wants it.
func (p *Process) Endpoint() string { return p.endpoint }

// Address is the socket path without the unix:// scheme (for ctr --address).
func (p *Process) Address() string { return filepath.Join(p.o.Dir, socketFile) }

// Pid is containerd's process id (0 if unknown for a reused instance).
func (p *Process) Pid() int { return p.pid }

// Reused is true when Start found this containerd already running.
func (p *Process) Reused() bool { return p.reused }

// Start writes Dir/config.toml and starts containerd, or reuses one that
// already answers on Dir's socket with the same config. It returns once the
// CRI service answers Version; on timeout or early exit the error carries the
// tail of containerd's log.
func Start(ctx context.Context, o Options) (*Process, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	version, err := majorVersion(ctx, o.Binary)
	if err != nil {
		return nil, err
	}
	configVersion := 2
	if version >= 2 {
		configVersion = 3
	}
	cfg, err := Config(o, configVersion)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{o.Dir, o.CNIConfDir, filepath.Join(o.Dir, runcDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	sock := filepath.Join(o.Dir, socketFile)
	p := &Process{o: o, endpoint: "unix://" + sock}
	cfgPath := filepath.Join(o.Dir, configFile)

	if criVersion(ctx, sock, time.Second) == nil {
		// A containerd from an earlier run is still serving this Dir. Reuse
		// it if it runs the config we want; otherwise replace it (the
		// containers survive: their shims do not depend on containerd).
		p.pid = readPid(o.Dir)
		if old, _ := os.ReadFile(cfgPath); bytes.Equal(old, cfg) {
			p.reused = true
			return p, nil
		}
		if p.pid == 0 {
			return nil, fmt.Errorf("containerd: %s is served by a containerd with a different config and %s names no containerd to stop", sock, filepath.Join(o.Dir, pidFile))
		}
		if err := p.Stop(); err != nil {
			return nil, fmt.Errorf("containerd: stopping the containerd left on %s: %w", sock, err)
		}
	}
	// A socket file nobody answers on is left from a containerd that died.
	_ = os.Remove(sock)

	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(o.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own copy
	logStart, _ := logf.Seek(0, io.SeekEnd)

	cmd := exec.Command(o.Binary, "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = o.Dir
	// Own process group: a ^C in skiff's terminal must not reach containerd,
	// which skiff stops itself (and which may outlive skiff to be reused).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("containerd: %w", err)
	}
	p.cmd, p.pid, p.exited = cmd, cmd.Process.Pid, make(chan struct{})
	go func() { p.waitErr = cmd.Wait(); close(p.exited) }()
	_ = os.WriteFile(filepath.Join(o.Dir, pidFile), []byte(strconv.Itoa(p.pid)+"\n"), 0o644)

	deadline := time.NewTimer(o.StartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		err := criVersion(ctx, sock, time.Second)
		if err == nil {
			return p, nil
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("containerd exited during start (%v)%s", p.waitErr, logTail(o.LogFile, logStart))
		case <-ctx.Done():
			_ = p.Stop()
			return nil, ctx.Err()
		case <-deadline.C:
			_ = p.Stop()
			return nil, fmt.Errorf("containerd: no CRI answer on %s within %v (last error: %v)%s", sock, time.Since(t0).Round(time.Millisecond), err, logTail(o.LogFile, logStart))
		case <-tick.C:
		}
	}
}

// Stop sends containerd SIGTERM and waits up to 10s for it to exit, then
// SIGKILLs it. Containers keep running; a later Start with the same Dir
// finds them.
func (p *Process) Stop() error {
	if p.pid == 0 {
		return errors.New("containerd: pid unknown, cannot stop")
	}
	exited := p.exited
	if exited == nil {
		// Not our child: poll for the process to disappear.
		if !isContainerd(p.pid) {
			return nil
		}
		ch := make(chan struct{})
		go func() {
			for isContainerd(p.pid) {
				time.Sleep(20 * time.Millisecond)
			}
			close(ch)
		}()
		exited = ch
	}
	if err := syscall.Kill(p.pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			return fmt.Errorf("containerd %d did not exit after SIGKILL", p.pid)
		}
	}
	_ = os.Remove(filepath.Join(p.o.Dir, pidFile))
	return nil
}

// criVersion asks the CRI runtime service on sock for its version. A plain
// grpc client (rather than k8s.io/cri-client) keeps the probe cheap: no
// tracing setup, no retries beyond ours.
func criVersion(ctx context.Context, sock string, timeout time.Duration) error {
	if _, err := os.Stat(sock); err != nil {
		return err
	}
	conn, err := grpc.NewClient("unix://"+sock,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithAuthority("localhost"))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err = runtimeapi.NewRuntimeServiceClient(conn).Version(ctx, &runtimeapi.VersionRequest{})
	return err
}

var versionRE = regexp.MustCompile(`\bv?(\d+)\.(\d+)\.\d+`)

// majorVersion runs "containerd --version" ("containerd github.com/containerd/containerd 1.6.20~ds1 ...").
func majorVersion(ctx context.Context, bin string) (int, error) {
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return 0, fmt.Errorf("containerd: %s --version: %w", bin, err)
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("containerd: cannot read a version in %q", strings.TrimSpace(string(out)))
	}
	return strconv.Atoi(string(m[1]))
}

func readPid(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, pidFile))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid <= 0 || !isContainerd(pid) {
		return 0
	}
	return pid
}

// isContainerd guards against signalling a recycled pid.
func isContainerd(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	// A zombie has an empty cmdline: it has exited.
	arg0, _, _ := bytes.Cut(b, []byte{0})
	return strings.Contains(filepath.Base(string(arg0)), "containerd")
}

// logTail returns the last few KB containerd wrote since offset from.
func logTail(path string, from int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const max = 4 << 10
	end, _ := f.Seek(0, io.SeekEnd)
	if end-from > max {
		from = end - max
	}
	b := make([]byte, end-from)
	n, _ := f.ReadAt(b, from)
	if n == 0 {
		return ""
	}
	return "\ncontainerd log (" + path + ") ends with:\n" + string(b[:n])
}
