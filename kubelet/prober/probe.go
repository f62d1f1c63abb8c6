package prober

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/skiff-k8s/skiff/kubelet/envvars"
)

// result is one probe attempt's outcome, spelled as upstream prints it in
// "errored and resulted in %s state" messages.
type result string

const (
	success result = "success"
	warning result = "warning"
	failure result = "failure"
	unknown result = "unknown"
)

// maxOutput bounds what a probe keeps of a command's output or a response
// body; probes are health checks, not data transfers.
const maxOutput = 10 << 10

// userAgent is what upstream's HTTP and gRPC probes send for 1.37.
const userAgent = "kube-probe/1.37"

// Execer runs a command in a container, as the CRI ExecSync call does.
// A timeout should come back as an error matching context.DeadlineExceeded,
// a gRPC DeadlineExceeded status, or one whose text says "timed out".
type Execer interface {
	ExecSync(ctx context.Context, containerID string, cmd []string, timeout time.Duration) (stdout, stderr []byte, exitCode int32, err error)
}

// target is what a probe needs to know about the container it checks.
type target struct {
	container   *v1.Container
	containerID string
	podIP       string
}

// runProbe performs one attempt. err means the probe could not be run at
// all (bad spec, runtime error), which upstream retries and reports
// differently from an unhealthy container.
func (m *Manager) runProbe(ctx context.Context, p *v1.Probe, t target) (result, string, error) {
	timeout := time.Duration(p.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		timeout = time.Second
	}
	switch {
	case p.Exec != nil:
		return m.execProbe(ctx, p.Exec, t, timeout)
	case p.HTTPGet != nil:
		return httpProbe(ctx, p.HTTPGet, t, timeout)
	case p.TCPSocket != nil:
		port, err := resolvePort(p.TCPSocket.Port, t.container)
		if err != nil {
			return unknown, "", err
		}
		host := p.TCPSocket.Host
		if host == "" {
			host = t.podIP
		}
		return tcpProbe(ctx, host, port, timeout)
	case p.GRPC != nil:
		service := ""
		if p.GRPC.Service != nil {
			service = *p.GRPC.Service
		}
		return grpcProbe(ctx, t.podIP, service, int(p.GRPC.Port), timeout)
	}
	return unknown, "", fmt.Errorf("missing probe handler for %s", t.container.Name)
}

func (m *Manager) execProbe(ctx context.Context, e *v1.ExecAction, t target, timeout time.Duration) (result, string, error) {
	if m.exec == nil {
		return unknown, "", errors.New("no exec support configured")
	}
	// Only the container's literal env values take part, like upstream: the
	// probe must not depend on API lookups made at container creation.
	static := make(map[string]string, len(t.container.Env))
	for _, ev := range t.container.Env {
		static[ev.Name] = ev.Value
	}
	mapping := envvars.MappingFor(static)
	cmd := make([]string, len(e.Command))
	for i, a := range e.Command {
		cmd[i] = envvars.Expand(a, mapping)
	}

	stdout, stderr, code, err := m.exec.ExecSync(ctx, t.containerID, cmd, timeout)
	out := limit(append(append([]byte{}, stdout...), stderr...))
	if err != nil {
		if isTimeout(err) {
			if !strings.Contains(err.Error(), "timed out") {
				err = fmt.Errorf("command timed out: %q timed out after %s", strings.Join(cmd, " "), timeout)
			}
			return failure, err.Error(), nil
		}
		return unknown, "", err
	}
	if code != 0 {
		return failure, string(out), nil
	}
	return success, string(out), nil
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded {
		return true
	}
	return strings.Contains(err.Error(), "timed out")
}

func limit(b []byte) []byte {
	if len(b) > maxOutput {
		return b[:maxOutput]
	}
	return b
}

// resolvePort turns a port number or a name from the container's ports into
// a port number.
func resolvePort(p intstr.IntOrString, c *v1.Container) (int, error) {
	port := -1
	switch p.Type {
	case intstr.Int:
		port = p.IntValue()
	case intstr.String:
		found := false
		for _, cp := range c.Ports {
			if cp.Name == p.StrVal {
				port, found = int(cp.ContainerPort), true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("port %q not found", p.StrVal)
		}
	default:
		return port, fmt.Errorf("intOrString had no kind: %+v", p)
	}
	if port > 0 && port < 65536 {
		return port, nil
	}
	return port, fmt.Errorf("invalid port number: %v", port)
}
