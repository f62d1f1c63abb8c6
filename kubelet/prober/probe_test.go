package prober

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// fakeExec answers ExecSync from a script; the last entry repeats.
type fakeExec struct {
	mu     sync.Mutex
	calls  [][]string
	script []execReply
}

type execReply struct {
	out  string
	code int32
	err  error
}

func (f *fakeExec) ExecSync(_ context.Context, _ string, cmd []string, _ time.Duration) ([]byte, []byte, int32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, cmd)
	r := f.script[min(len(f.calls), len(f.script))-1]
	return []byte(r.out), nil, r.code, r.err
}

func (f *fakeExec) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeExec) set(script ...execReply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = script
}

func hostPort(t *testing.T, addr string) (string, int) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

func TestHTTPProbe(t *testing.T) {
	var gotUA, gotHeader, gotAccept string
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		gotUA, gotAccept = r.UserAgent(), r.Header.Get("Accept")
		if h := r.Header.Get("X-Custom"); h != "" {
			gotHeader = h
		}
		w.Write([]byte("fine"))
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	mux.HandleFunc("/local-redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/remote-redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://elsewhere.invalid/", http.StatusFound)
	})
	mux.HandleFunc("/query", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("a") != "b" {
			w.WriteHeader(400)
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tls := httptest.NewTLSServer(mux)
	defer tls.Close()
	host, port := hostPort(t, srv.Listener.Addr().String())
	_, tlsPort := hostPort(t, tls.Listener.Addr().String())

	c := &v1.Container{Name: "app", Ports: []v1.ContainerPort{{Name: "http", ContainerPort: int32(port)}}}
	for _, tc := range []struct {
		name    string
		get     v1.HTTPGetAction
		want    result
		out     string
		wantErr string
	}{
		{name: "200", get: v1.HTTPGetAction{Path: "/ok", Port: intstr.FromInt32(int32(port)), HTTPHeaders: []v1.HTTPHeader{{Name: "X-Custom", Value: "yes"}}}, want: success, out: "fine"},
		{name: "named port", get: v1.HTTPGetAction{Path: "/ok", Port: intstr.FromString("http")}, want: success, out: "fine"},
		{name: "https self-signed", get: v1.HTTPGetAction{Path: "/ok", Port: intstr.FromInt32(int32(tlsPort)), Scheme: v1.URISchemeHTTPS}, want: success, out: "fine"},
		{name: "500", get: v1.HTTPGetAction{Path: "/fail", Port: intstr.FromInt32(int32(port))}, want: failure, out: "HTTP probe failed with statuscode: 500"},
		{name: "same-host redirect followed", get: v1.HTTPGetAction{Path: "/local-redirect", Port: intstr.FromInt32(int32(port))}, want: success, out: "fine"},
		{name: "other-host redirect is a warning", get: v1.HTTPGetAction{Path: "/remote-redirect", Port: intstr.FromInt32(int32(port))}, want: warning, out: "Probe terminated redirects, Response body: "},
		{name: "query in path", get: v1.HTTPGetAction{Path: "/query?a=b", Port: intstr.FromInt32(int32(port))}, want: success},
		{name: "unknown named port", get: v1.HTTPGetAction{Path: "/", Port: intstr.FromString("metrics")}, want: unknown, wantErr: `port "metrics" not found`},
		{name: "invalid port", get: v1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(70000)}, want: unknown, wantErr: "invalid port number: 70000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewManager(nil, nil)
			r, out, err := m.runProbe(context.Background(), &v1.Probe{ProbeHandler: v1.ProbeHandler{HTTPGet: &tc.get}, TimeoutSeconds: 5}, target{container: c, podIP: host})
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || r != tc.want || !strings.HasPrefix(out, tc.out) {
				t.Fatalf("got %s %q %v, want %s %q", r, out, err, tc.want, tc.out)
			}
		})
	}
	if gotUA != "kube-probe/1.37" || gotHeader != "yes" || gotAccept != "*/*" {
		t.Errorf("request headers: UA %q X-Custom %q Accept %q", gotUA, gotHeader, gotAccept)
	}
}

func TestTCPProbe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host, port := hostPort(t, l.Addr().String())
	m := NewManager(nil, nil)
	c := &v1.Container{Name: "app"}
	p := &v1.Probe{ProbeHandler: v1.ProbeHandler{TCPSocket: &v1.TCPSocketAction{Port: intstr.FromInt32(int32(port))}}, TimeoutSeconds: 2}
	if r, out, err := m.runProbe(context.Background(), p, target{container: c, podIP: host}); r != success || err != nil {
		t.Fatalf("open port: %s %q %v", r, out, err)
	}
	l.Close()
	r, out, err := m.runProbe(context.Background(), p, target{container: c, podIP: host})
	if r != failure || err != nil || !strings.Contains(out, "connection refused") {
		t.Fatalf("closed port: %s %q %v", r, out, err)
	}
	// Host in the action overrides the pod IP.
	p.TCPSocket.Host = "127.0.0.1"
	if r, _, _ := m.runProbe(context.Background(), p, target{container: c, podIP: "192.0.2.1"}); r != failure {
		t.Fatalf("host override not used: %s", r)
	}
}

func TestGRPCProbe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus("db", healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go srv.Serve(l)
	defer srv.Stop()
	_, port := hostPort(t, l.Addr().String())

	bare, _ := net.Listen("tcp", "127.0.0.1:0")
	bareSrv := grpc.NewServer()
	go bareSrv.Serve(bare)
	defer bareSrv.Stop()
	_, barePort := hostPort(t, bare.Addr().String())

	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	_, closedPort := hostPort(t, closed.Addr().String())
	closed.Close()

	svc := func(s string) *string { return &s }
	for _, tc := range []struct {
		name    string
		port    int
		service *string
		want    result
		out     string
	}{
		{"serving", port, nil, success, "service healthy"},
		{"not serving", port, svc("db"), failure, `service unhealthy (responded with "NOT_SERVING")`},
		{"unknown service", port, svc("nope"), failure, "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service"},
		{"no health service", barePort, nil, failure, "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health"},
		{"nothing listening", closedPort, nil, failure, `timeout: failed to connect service "127.0.0.1:` + strconv.Itoa(closedPort) + `" within 1s: context deadline exceeded`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewManager(nil, nil)
			p := &v1.Probe{ProbeHandler: v1.ProbeHandler{GRPC: &v1.GRPCAction{Port: int32(tc.port), Service: tc.service}}, TimeoutSeconds: 1}
			if tc.want == success {
				p.TimeoutSeconds = 10
			}
			r, out, err := m.runProbe(context.Background(), p, target{container: &v1.Container{Name: "app"}, podIP: "127.0.0.1"})
			if err != nil || r != tc.want || out != tc.out {
				t.Fatalf("got %s %q %v\nwant %s %q", r, out, err, tc.want, tc.out)
			}
		})
	}
}

func TestExecProbe(t *testing.T) {
	c := &v1.Container{Name: "app", Env: []v1.EnvVar{{Name: "FILE", Value: "/tmp/healthy"}}}
	for _, tc := range []struct {
		name    string
		reply   execReply
		want    result
		out     string
		wantErr string
	}{
		{name: "exit 0", reply: execReply{out: "ok"}, want: success, out: "ok"},
		{name: "exit 1", reply: execReply{out: "cat: /tmp/healthy: No such file or directory\n", code: 1}, want: failure, out: "cat: /tmp/healthy: No such file or directory\n"},
		{name: "timeout", reply: execReply{err: context.DeadlineExceeded}, want: failure, out: `command timed out: "cat /tmp/healthy" timed out after 1s`},
		{name: "runtime error", reply: execReply{err: errors.New("container not running")}, want: unknown, wantErr: "container not running"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fe := &fakeExec{script: []execReply{tc.reply}}
			m := NewManager(fe, nil)
			p := &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"cat", "$(FILE)"}}}}
			r, out, err := m.runProbe(context.Background(), p, target{container: c, containerID: "cid"})
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil || r != tc.want || out != tc.out {
				t.Fatalf("got %s %q %v, want %s %q", r, out, err, tc.want, tc.out)
			}
			if got := strings.Join(fe.calls[0], " "); got != "cat /tmp/healthy" {
				t.Errorf("command %q", got)
			}
		})
	}
}
