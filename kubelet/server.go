package kubelet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/proxy"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/klog/v2"
)

// serve starts the kubelet's HTTPS API. Clients must present a
// certificate of the cluster CA (the API server does); only /healthz is
// open to anyone, as with upstream's anonymous auth disabled.
func (k *Kubelet) serve(ctx context.Context) error {
	cert, err := tls.LoadX509KeyPair(k.opts.ServingCert, k.opts.ServingKey)
	if err != nil {
		return fmt.Errorf("kubelet serving certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if pem, err := os.ReadFile(k.opts.ClientCA); err == nil {
		pool.AppendCertsFromPEM(pem)
	} else {
		return fmt.Errorf("kubelet client CA: %w", err)
	}
	addr := net.JoinHostPort("0.0.0.0", strconv.Itoa(k.opts.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("kubelet server: %w", err)
	}
	k.Port = ln.Addr().(*net.TCPAddr).Port
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.Handle("/pods", k.authn(http.HandlerFunc(k.servePods)))
	mux.Handle("/containerLogs/", k.authn(http.HandlerFunc(k.serveLogs)))
	mux.Handle("/exec/", k.authn(http.HandlerFunc(k.serveExec)))
	mux.Handle("/attach/", k.authn(http.HandlerFunc(k.serveAttach)))
	mux.Handle("/portForward/", k.authn(http.HandlerFunc(k.servePortForward)))
	mux.Handle("/stats/summary", k.authn(http.HandlerFunc(k.serveSummary)))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 30 * time.Second,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			ClientAuth:   tls.VerifyClientCertIfGiven,
			ClientCAs:    pool,
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"http/1.1"}, // streams upgrade HTTP/1.1 connections
		},
		ErrorLog: nil,
	}
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && err != http.ErrServerClosed {
			klog.FromContext(ctx).Error(err, "kubelet server stopped")
		}
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	return nil
}

func (k *Kubelet) authn(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (k *Kubelet) servePods(w http.ResponseWriter, _ *http.Request) {
	pods, err := k.pods.List(labels.Everything())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	list := v1.PodList{}
	list.Kind, list.APIVersion = "PodList", "v1"
	for _, p := range pods {
		list.Items = append(list.Items, *p)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(&list)
}

// findContainer resolves /{ns}/{pod}[/{uid}]/{container} to the pod and
// its newest container of that name.
func (k *Kubelet) findContainer(ctx context.Context, parts []string) (*v1.Pod, *podRuntime, string, error) {
	if len(parts) != 3 && len(parts) != 4 {
		return nil, nil, "", errBadRequest("expected /{namespace}/{pod}/{container}")
	}
	ns, name, container := parts[0], parts[1], parts[len(parts)-1]
	pod, err := k.pods.Pods(ns).Get(name)
	if err != nil {
		return nil, nil, "", errNotFound(fmt.Sprintf("pod %q not found", ns+"/"+name))
	}
	if len(parts) == 4 && string(pod.UID) != parts[2] {
		return nil, nil, "", errNotFound(fmt.Sprintf("pod %q with UID %s not found", ns+"/"+name, parts[2]))
	}
	rt, err := k.inspect(ctx, pod.UID)
	if err != nil {
		return nil, nil, "", err
	}
	return pod, rt, container, nil
}

type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string   { return e.msg }
func errBadRequest(msg string) error { return &httpError{http.StatusBadRequest, msg} }
func errNotFound(msg string) error   { return &httpError{http.StatusNotFound, msg} }
func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	if he, ok := err.(*httpError); ok {
		code = he.code
	}
	http.Error(w, err.Error(), code)
}

func (k *Kubelet) serveExec(w http.ResponseWriter, r *http.Request) {
	k.serveStream(w, r, "/exec/", func(ctx context.Context, id string, q url.Values) (string, error) {
		resp, err := k.runtime.Exec(ctx, &runtimeapi.ExecRequest{
			ContainerId: id, Cmd: q["command"], Tty: flag(q, "tty"),
			Stdin: flag(q, "input") || flag(q, "stdin"), Stdout: flag(q, "output") || flag(q, "stdout"), Stderr: flag(q, "error") || flag(q, "stderr"),
		})
		if err != nil {
			return "", err
		}
		return resp.Url, nil
	})
}

func (k *Kubelet) serveAttach(w http.ResponseWriter, r *http.Request) {
	k.serveStream(w, r, "/attach/", func(ctx context.Context, id string, q url.Values) (string, error) {
		resp, err := k.runtime.Attach(ctx, &runtimeapi.AttachRequest{
			ContainerId: id, Tty: flag(q, "tty"),
			Stdin: flag(q, "input") || flag(q, "stdin"), Stdout: flag(q, "output") || flag(q, "stdout"), Stderr: flag(q, "error") || flag(q, "stderr"),
		})
		if err != nil {
			return "", err
		}
		return resp.Url, nil
	})
}

// serveStream asks the runtime for a streaming URL and proxies the
// client's upgraded connection (SPDY or WebSocket) to it, as upstream's
// kubelet does with redirects disabled.
func (k *Kubelet) serveStream(w http.ResponseWriter, r *http.Request, prefix string, open func(context.Context, string, url.Values) (string, error)) {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, prefix), "/"), "/")
	_, rt, name, err := k.findContainer(r.Context(), parts)
	if err != nil {
		writeError(w, err)
		return
	}
	st := rt.latest(name)
	if st == nil || st.State != runtimeapi.ContainerState_CONTAINER_RUNNING {
		writeError(w, errBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, parts[1])))
		return
	}
	raw, err := open(r.Context(), st.Id, r.URL.Query())
	if err != nil {
		writeError(w, err)
		return
	}
	k.proxyStream(w, r, raw)
}

func (k *Kubelet) servePortForward(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/portForward/"), "/"), "/")
	if len(parts) < 2 || len(parts) > 3 {
		writeError(w, errBadRequest("expected /portForward/{namespace}/{pod}"))
		return
	}
	pod, err := k.pods.Pods(parts[0]).Get(parts[1])
	if err != nil {
		writeError(w, errNotFound(fmt.Sprintf("pod %q not found", parts[0]+"/"+parts[1])))
		return
	}
	rt, err := k.inspect(r.Context(), pod.UID)
	if err != nil || rt.ready == nil {
		writeError(w, errBadRequest(fmt.Sprintf("pod %s does not have a running sandbox", pod.Name)))
		return
	}
	var ports []int32
	for _, p := range r.URL.Query()["port"] {
		if n, err := strconv.Atoi(p); err == nil {
			ports = append(ports, int32(n))
		}
	}
	resp, err := k.runtime.PortForward(r.Context(), &runtimeapi.PortForwardRequest{PodSandboxId: rt.ready.Id, Port: ports})
	if err != nil {
		writeError(w, err)
		return
	}
	k.proxyStream(w, r, resp.Url)
}

func (k *Kubelet) proxyStream(w http.ResponseWriter, r *http.Request, raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		writeError(w, err)
		return
	}
	h := proxy.NewUpgradeAwareHandler(u, nil, false, true, errorResponder{})
	h.ServeHTTP(w, r)
}

type errorResponder struct{}

func (errorResponder) Error(w http.ResponseWriter, _ *http.Request, err error) {
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

func flag(q url.Values, name string) bool {
	v := q.Get(name)
	return v == "1" || v == "true"
}
