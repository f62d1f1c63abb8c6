// Package testserver starts a real skiff control plane in-process for tests:
// embedded etcd in a temporary directory, a free port, real TLS. Tests
// connect through the admin kubeconfig it writes, as a user would.
package testserver

import (
	"context"
	"fmt"
	"net"
	"os"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff-k8s/skiff/server"
)

// Server is a running control plane and clients for it.
type Server struct {
	*server.Running
	// Dir is the data directory.
	Dir string
	// Config is the admin client config read from the kubeconfig.
	Config *rest.Config
	Client kubernetes.Interface
	cancel context.CancelFunc
}

// Start starts a control plane in a new temporary directory.
func Start() (*Server, error) {
	dir, err := os.MkdirTemp("", "skiff-test-")
	if err != nil {
		return nil, err
	}
	s, err := StartIn(dir)
	if err != nil {
		os.RemoveAll(dir)
	}
	return s, err
}

// StartIn starts a control plane on an existing data directory.
func StartIn(dir string) (*Server, error) {
	return StartWith(server.Options{DataDir: dir})
}

// StartWith starts a control plane with o, on loopback and a free port.
func StartWith(o server.Options) (*Server, error) {
	dir := o.DataDir
	o.BindAddress, o.Port = net.ParseIP("127.0.0.1"), 0
	ctx, cancel := context.WithCancel(context.Background())
	r, err := server.Start(ctx, o)
	if err != nil {
		cancel()
		return nil, err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", r.Kubeconfig)
	if err != nil {
		cancel()
		return nil, err
	}
	cfg.QPS = -1
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		cancel()
		return nil, err
	}
	return &Server{Running: r, Dir: dir, Config: cfg, Client: client, cancel: cancel}, nil
}

// Stop stops the control plane and waits for it, keeping the directory.
func (s *Server) Stop() {
	s.cancel()
	<-s.Done()
}

// Close stops the control plane and removes its directory.
func (s *Server) Close() {
	s.Stop()
	os.RemoveAll(s.Dir)
}

// Main runs a test package's tests against one shared server, as
// TestMain(m) { testserver.Main(m, &srv) }.
func Main(m interface{ Run() int }, into **Server) {
	MainWith(m, into, server.Options{})
}

// MainWith is Main with options (DataDir is a new temporary directory),
// e.g. DisableScheduler for suites that drive pods' status themselves.
func MainWith(m interface{ Run() int }, into **Server, o server.Options) {
	dir, err := os.MkdirTemp("", "skiff-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	o.DataDir = dir
	s, err := StartWith(o)
	if err != nil {
		os.RemoveAll(dir)
		fmt.Fprintln(os.Stderr, "starting skiff:", err)
		os.Exit(1)
	}
	*into = s
	code := m.Run()
	s.Close()
	os.Exit(code)
}
