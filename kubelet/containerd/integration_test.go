package containerd_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	cri "k8s.io/cri-client/pkg"

	"github.com/skiff-k8s/skiff/kubelet/containerd"
	"github.com/skiff-k8s/skiff/test/images"
)

// TestPodLifecycle runs a busybox pod through a private containerd: pull from
// the in-process registry, sandbox with CNI networking, a container that
// echoes, its CRI log, stop and remove. CI installs containerd, so there it
// never skips.
func TestPodLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts containerd")
	}
	if err := containerd.Available(); err != nil {
		t.Skip("containerd cannot run here: ", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("containerd needs root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	refs := images.Setup(t)

	// A bridge and /24 of our own, so parallel runs on one machine don't meet.
	bridge := fmt.Sprintf("skt%04x", rand.IntN(1<<16))
	subnet := fmt.Sprintf("10.88.%d.0/24", rand.IntN(250))
	dir := t.TempDir()
	if err := containerd.WriteCNIConfig(filepath.Join(dir, "cni", "net.d"), bridge, subnet); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command("ip", "link", "del", bridge).Run()
		_ = containerd.RemoveMasquerade(subnet)
	})

	t0 := time.Now()
	p, err := containerd.Start(ctx, containerd.Options{Dir: dir, SandboxImage: refs.Pause})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("containerd started in %v", time.Since(t0).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Error(err)
		}
	})

	rs, err := cri.NewRemoteRuntimeServiceBuilder().WithEndpoint(p.Endpoint()).
		WithConnectionTimeout(30 * time.Second).WithTracerProvider(nil).Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	is, err := cri.NewRemoteImageServiceBuilder().WithEndpoint(p.Endpoint()).
		WithConnectionTimeout(30 * time.Second).WithTracerProvider(nil).Build(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// On failure, leave no sandbox behind: shims would outlive the test and
	// TempDir's removal would fail on their mounts.
	t.Cleanup(func() {
		ctx := context.Background()
		pods, _ := rs.ListPodSandbox(ctx, nil)
		for _, pod := range pods {
			_ = rs.StopPodSandbox(ctx, pod.Id)
			_ = rs.RemovePodSandbox(ctx, pod.Id)
		}
	})

	timed := func(what string, f func() error) {
		t.Helper()
		t0 := time.Now()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		t.Logf("%s: %v", what, time.Since(t0).Round(time.Millisecond))
	}
	for _, ref := range []string{refs.Pause, refs.Busybox} {
		timed("PullImage "+ref, func() error {
			_, err := is.PullImage(ctx, &runtimeapi.ImageSpec{Image: ref}, nil, nil)
			return err
		})
	}

	logDir := filepath.Join(dir, "pods", "default_echo_uid1")
	sandboxConfig := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: "echo", Namespace: "default", Uid: "uid1"},
		Hostname:     "echo",
		LogDirectory: logDir,
		Linux:        &runtimeapi.LinuxPodSandboxConfig{},
	}
	var podID string
	timed("RunPodSandbox", func() (err error) {
		podID, err = rs.RunPodSandbox(ctx, sandboxConfig, "")
		return err
	})
	status, err := rs.PodSandboxStatus(ctx, podID, false)
	if err != nil {
		t.Fatal(err)
	}
	_, ipnet, _ := net.ParseCIDR(subnet)
	if ip := net.ParseIP(status.GetStatus().GetNetwork().GetIp()); ip == nil || !ipnet.Contains(ip) {
		t.Errorf("sandbox IP %q, want one in %s", status.GetStatus().GetNetwork().GetIp(), subnet)
	} else {
		t.Logf("sandbox IP %s", ip)
	}

	// A second Start with the same Dir and config reuses the running
	// containerd; after a stop and a fresh Start the sandbox is still there
	// (its shim outlives containerd).
	if p2, err := containerd.Start(ctx, containerd.Options{Dir: dir, SandboxImage: refs.Pause}); err != nil || !p2.Reused() {
		t.Fatalf("second Start: reused=%v, %v", err == nil && p2.Reused(), err)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	timed("containerd restart", func() (err error) {
		p, err = containerd.Start(ctx, containerd.Options{Dir: dir, SandboxImage: refs.Pause})
		return err
	})
	if s, err := rs.PodSandboxStatus(ctx, podID, false); err != nil || s.GetStatus().GetState() != runtimeapi.PodSandboxState_SANDBOX_READY {
		t.Fatalf("sandbox after containerd restart: %v, %v", s.GetStatus().GetState(), err)
	}

	var ctrID string
	timed("CreateContainer+StartContainer", func() (err error) {
		ctrID, err = rs.CreateContainer(ctx, podID, &runtimeapi.ContainerConfig{
			Metadata: &runtimeapi.ContainerMetadata{Name: "echo"},
			Image:    &runtimeapi.ImageSpec{Image: refs.Busybox},
			Command:  []string{"echo", "hello"},
			LogPath:  "echo/0.log",
		}, sandboxConfig)
		if err != nil {
			return err
		}
		return rs.StartContainer(ctx, ctrID)
	})
	var cs *runtimeapi.ContainerStatus
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		r, err := rs.ContainerStatus(ctx, ctrID, false)
		if err != nil {
			t.Fatal(err)
		}
		if cs = r.GetStatus(); cs.GetState() == runtimeapi.ContainerState_CONTAINER_EXITED {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("container still %v", cs.GetState())
		}
	}
	if cs.GetExitCode() != 0 {
		t.Errorf("exit code %d (%s: %s)", cs.GetExitCode(), cs.GetReason(), cs.GetMessage())
	}
	if got := readCRILog(t, filepath.Join(logDir, "echo", "0.log")); got != "hello\n" {
		t.Errorf("log = %q, want %q", got, "hello\n")
	}

	timed("StopPodSandbox", func() error { return rs.StopPodSandbox(ctx, podID) })
	timed("RemovePodSandbox", func() error { return rs.RemovePodSandbox(ctx, podID) })
	if r, err := rs.ListContainers(ctx, nil); err != nil || len(r) != 0 {
		t.Errorf("containers left: %d, %v", len(r), err)
	}
}

// readCRILog returns the stdout of a CRI log file: lines of
// "<RFC3339Nano time> <stream> <P|F> <text>", where P marks a partial line
// continued by the next entry.
func readCRILog(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.SplitN(sc.Text(), " ", 4)
		if len(fields) < 3 {
			t.Fatalf("bad CRI log line %q", sc.Text())
		}
		if _, err := time.Parse(time.RFC3339Nano, fields[0]); err != nil {
			t.Errorf("bad time in %q: %v", sc.Text(), err)
		}
		if fields[1] != "stdout" {
			continue
		}
		if len(fields) == 4 {
			out.WriteString(fields[3])
		}
		if fields[2] == "F" {
			out.WriteString("\n")
		}
	}
	return out.String()
}
