package kubelet

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	internalapi "k8s.io/cri-api/pkg/apis"
)

// runHook runs a postStart or preStop handler: exec in the container,
// an HTTP GET, or a sleep. The message on failure is upstream's.
func (k *Kubelet) runHook(ctx context.Context, pod *v1.Pod, c *v1.Container, containerID, podIP string, h *v1.LifecycleHandler) (string, error) {
	switch {
	case h.Exec != nil:
		timeout := 30 * time.Second
		if d, ok := ctx.Deadline(); ok {
			timeout = time.Until(d)
		}
		out, errOut, err := k.runtime.ExecSync(ctx, containerID, h.Exec.Command, timeout)
		if err != nil {
			msg := fmt.Sprintf("Exec lifecycle hook (%v) for Container %q in Pod %q failed - error: %v, message: %q", h.Exec.Command, c.Name, pod.Namespace+"/"+pod.Name, err, string(out)+string(errOut))
			return msg, err
		}
		return "", nil
	case h.HTTPGet != nil:
		g := h.HTTPGet
		host := g.Host
		if host == "" {
			host = podIP
		}
		port, err := resolvePort(g.Port, c)
		if err != nil {
			return err.Error(), err
		}
		scheme := "http"
		if g.Scheme == v1.URISchemeHTTPS {
			scheme = "https"
		}
		url := fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(host, strconv.Itoa(port)), g.Path)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err == nil {
			for _, hd := range g.HTTPHeaders {
				req.Header.Add(hd.Name, hd.Value)
			}
			var resp *http.Response
			if resp, err = http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode < 200 || resp.StatusCode >= 400 {
					err = fmt.Errorf("HTTP lifecycle hook (%s) for Container %q in Pod %q failed - error: %v", g.Path, c.Name, pod.Namespace+"/"+pod.Name, resp.Status)
				}
			}
		}
		if err != nil {
			return fmt.Sprintf("HTTP lifecycle hook (%s) for Container %q in Pod %q failed - error: %v", g.Path, c.Name, pod.Namespace+"/"+pod.Name, err), err
		}
		return "", nil
	case h.Sleep != nil:
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(h.Sleep.Seconds) * time.Second):
		}
		return "", nil
	}
	return "", nil
}

// resolvePort turns a port number or a named container port into a number.
func resolvePort(p intstr.IntOrString, c *v1.Container) (int, error) {
	if p.Type == intstr.Int {
		return p.IntValue(), nil
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(p.StrVal); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("couldn't find port: %v in %v", p.StrVal, c.Name)
}

// execer lets the prober run exec probes through the runtime.
type execer struct{ rt internalapi.RuntimeService }

func (e execer) ExecSync(ctx context.Context, containerID string, cmd []string, timeout time.Duration) ([]byte, []byte, int32, error) {
	out, errOut, err := e.rt.ExecSync(ctx, containerID, cmd, timeout)
	if err != nil {
		var code int32 = -1
		if ee, ok := err.(interface{ ExitStatus() int }); ok {
			code = int32(ee.ExitStatus())
			err = nil
		}
		return out, errOut, code, err
	}
	return out, errOut, 0, nil
}
