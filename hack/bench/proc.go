package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is a child process the harness started (skiff, etcd or
// kube-apiserver). Its output goes to a log file.
type proc struct {
	name    string
	cmd     *exec.Cmd
	log     *os.File
	started time.Time
	exited  chan struct{}
	err     error
}

// running tracks every live child so that an interrupted run still stops
// them.
var running = map[*proc]struct{}{}

func startProc(name, logPath, bin string, args ...string) (*proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "\n=== %s: %s %s\n", time.Now().Format(time.RFC3339Nano), bin, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Stdout = f
	cmd.Stderr = f
	// Own process group, so that a ^C to the harness does not reach the
	// children before the harness stops them itself.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &proc{name: name, cmd: cmd, log: f, exited: make(chan struct{})}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	running[p] = struct{}{}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// stop sends SIGTERM, waits up to 30 s, then kills.
func (p *proc) stop() {
	if p == nil {
		return
	}
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(30 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	}
	delete(running, p)
	p.log.Close()
}

func stopAll() {
	for p := range running {
		p.stop()
	}
}

// rssKiB reads VmRSS from /proc/<pid>/status.
func (p *proc) rssKiB() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(rest)
			if len(fields) < 1 {
				break
			}
			return strconv.ParseInt(fields[0], 10, 64)
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// waitReady polls url every interval until it answers 200 with body "ok" (or,
// when wantBody is empty, any 200), and returns the time since the process
// was launched. client may carry a client certificate.
func (p *proc) waitReady(ctx context.Context, client *http.Client, url, wantBody string, interval, timeout time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(timeout)
	var last string
	for {
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%s not ready after %v (last: %s); see %s", p.name, timeout, last, p.log.Name())
		}
		select {
		case <-p.exited:
			return 0, fmt.Errorf("%s exited before it was ready (%v); see %s", p.name, p.err, p.log.Name())
		default:
		}
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		req, _ := http.NewRequestWithContext(rctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && (wantBody == "" || strings.TrimSpace(string(body)) == wantBody) {
				cancel()
				return time.Since(p.started), nil
			}
			last = fmt.Sprintf("HTTP %d %.200q", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		cancel()
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(interval):
		}
	}
}

// pollClient is an HTTP client for readiness polling; TLS verification is
// skipped (the serving certificate is irrelevant to the timing).
func pollClient(cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // benchmark poller
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{
		Timeout: 2 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   cfg,
			DisableKeepAlives: true,
			DialContext:       (&net.Dialer{Timeout: time.Second}).DialContext,
		},
	}
}

// freePort asks the kernel for an unused TCP port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func copyFile(dst, src string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
