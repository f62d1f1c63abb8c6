package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

const (
	pollInterval = 5 * time.Millisecond
	readyTimeout = 3 * time.Minute
)

// system is one control plane under test.
type system interface {
	// start launches it on a new, empty data dir and returns launch →
	// /readyz ok.
	startFresh(ctx context.Context) (startTimes, error)
	// restart stops every process and starts them again on the same data.
	restart(ctx context.Context) (startTimes, error)
	// stop stops every process.
	stop()
	// rss returns the VmRSS (KiB) of each process, in a fixed order.
	rss() ([]namedRSS, error)
	restConfig(ctx context.Context) (*rest.Config, error)
}

type startTimes struct {
	// ready is launch of the API server process → /readyz ok.
	ready time.Duration
	// etcd is launch of a separate etcd → /health ok (upstream only).
	etcd time.Duration
	// share of one core other processes used during the start-up.
	share float64
}

func (t startTimes) etcdNote() string {
	if t.etcd == 0 {
		return ""
	}
	return fmt.Sprintf(" (after etcd's own %v)", t.etcd.Round(time.Millisecond))
}

type namedRSS struct {
	name string
	kib  int64
}

// ---------------------------------------------------------------- skiff

type skiffSystem struct {
	bin, work string
	runs      int
	dir       string
	port      int
	p         *proc
	poll      *http.Client
}

func newSkiff(bin, work string) *skiffSystem {
	return &skiffSystem{bin: bin, work: work, poll: pollClient(nil)}
}

func (s *skiffSystem) startFresh(ctx context.Context) (startTimes, error) {
	s.stop()
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
	s.runs++
	s.dir = filepath.Join(s.work, fmt.Sprintf("skiff-%d", s.runs))
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return startTimes{}, err
	}
	port, err := freePort()
	if err != nil {
		return startTimes{}, err
	}
	s.port = port
	return s.launch(ctx)
}

func (s *skiffSystem) launch(ctx context.Context) (startTimes, error) {
	p, err := startProc("skiff", filepath.Join(s.work, "skiff.log"), s.bin,
		"server", "--data-dir", s.dir, "--secure-port", strconv.Itoa(s.port), "--bind-address", "127.0.0.1")
	if err != nil {
		return startTimes{}, err
	}
	s.p = p
	d, err := p.waitReady(ctx, s.poll, fmt.Sprintf("https://127.0.0.1:%d/readyz", s.port), "ok", pollInterval, readyTimeout)
	return startTimes{ready: d}, err
}

func (s *skiffSystem) restart(ctx context.Context) (startTimes, error) {
	s.stop()
	return s.launch(ctx)
}

func (s *skiffSystem) stop() {
	s.p.stop()
	s.p = nil
}

func (s *skiffSystem) rss() ([]namedRSS, error) {
	k, err := s.p.rssKiB()
	return []namedRSS{{"skiff", k}}, err
}

func (s *skiffSystem) restConfig(ctx context.Context) (*rest.Config, error) {
	// The admin kubeconfig is written right after the server is ready.
	path := filepath.Join(s.dir, "kubeconfig")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no %s 30 s after ready", path)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	// It may be mid-write: retry parse failures briefly.
	var err error
	for range 50 {
		var cfg *rest.Config
		if cfg, err = clientcmd.BuildConfigFromFlags("", path); err == nil {
			return cfg, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, err
}

// ------------------------------------------------------------- upstream

type upstreamSystem struct {
	apiserverBin, etcdBin, work string
	authz                       string
	runs                        int
	dir                         string
	pki                         *upstreamPKI
	port, etcdPort, peerPort    int
	etcd, api                   *proc
	etcdPoll, apiPoll           *http.Client
}

func newUpstream(binDir, work, authz string) *upstreamSystem {
	return &upstreamSystem{
		apiserverBin: filepath.Join(binDir, "kube-apiserver"),
		etcdBin:      filepath.Join(binDir, "etcd"),
		work:         work,
		authz:        authz,
		etcdPoll:     pollClient(nil),
	}
}

func (u *upstreamSystem) startFresh(ctx context.Context) (startTimes, error) {
	u.stop()
	if u.dir != "" {
		_ = os.RemoveAll(u.dir)
	}
	u.runs++
	u.dir = filepath.Join(u.work, fmt.Sprintf("upstream-%d", u.runs))
	pki, err := genPKI(filepath.Join(u.dir, "pki"))
	if err != nil {
		return startTimes{}, err
	}
	u.pki = pki
	u.apiPoll = pollClient(&tls.Certificate{Certificate: pki.Admin.Certificate, PrivateKey: pki.Admin.PrivateKey})
	for _, p := range []*int{&u.port, &u.etcdPort, &u.peerPort} {
		if *p, err = freePort(); err != nil {
			return startTimes{}, err
		}
	}
	return u.launch(ctx)
}

func (u *upstreamSystem) launch(ctx context.Context) (startTimes, error) {
	var t startTimes
	client := fmt.Sprintf("http://127.0.0.1:%d", u.etcdPort)
	peer := fmt.Sprintf("http://127.0.0.1:%d", u.peerPort)
	// etcd with its defaults otherwise, as a kubeadm control plane runs it
	// (fsync on, 100 ms heartbeat, 1 s election timeout).
	etcd, err := startProc("etcd", filepath.Join(u.work, "etcd.log"), u.etcdBin,
		"--name", "bench",
		"--data-dir", filepath.Join(u.dir, "etcd"),
		"--listen-client-urls", client,
		"--advertise-client-urls", client,
		"--listen-peer-urls", peer,
		"--initial-advertise-peer-urls", peer,
		"--initial-cluster", "bench="+peer,
	)
	if err != nil {
		return t, err
	}
	u.etcd = etcd
	if t.etcd, err = etcd.waitReady(ctx, u.etcdPoll, client+"/health", "", pollInterval, readyTimeout); err != nil {
		return t, err
	}
	api, err := startProc("kube-apiserver", filepath.Join(u.work, "kube-apiserver.log"), u.apiserverBin,
		"--etcd-servers", client,
		"--bind-address", "127.0.0.1",
		"--advertise-address", "127.0.0.1",
		"--secure-port", strconv.Itoa(u.port),
		"--endpoint-reconciler-type", "none",
		"--authorization-mode", u.authz,
		"--client-ca-file", u.pki.CAFile,
		"--tls-cert-file", u.pki.ServingCert,
		"--tls-private-key-file", u.pki.ServingKey,
		"--service-account-key-file", u.pki.SAPub,
		"--service-account-signing-key-file", u.pki.SAKey,
		"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range", "10.96.0.0/12",
	)
	if err != nil {
		return t, err
	}
	u.api = api
	// Polled with the admin (system:masters) client certificate: anonymous
	// /readyz under RBAC waits for the RBAC informers, which would
	// overstate upstream's start-up time.
	t.ready, err = api.waitReady(ctx, u.apiPoll, fmt.Sprintf("https://127.0.0.1:%d/readyz", u.port), "ok", pollInterval, readyTimeout)
	return t, err
}

func (u *upstreamSystem) restart(ctx context.Context) (startTimes, error) {
	u.stop()
	return u.launch(ctx)
}

func (u *upstreamSystem) stop() {
	u.api.stop()
	u.api = nil
	u.etcd.stop()
	u.etcd = nil
}

func (u *upstreamSystem) rss() ([]namedRSS, error) {
	a, err := u.api.rssKiB()
	if err != nil {
		return nil, err
	}
	e, err := u.etcd.rssKiB()
	if err != nil {
		return nil, err
	}
	return []namedRSS{{"kube-apiserver", a}, {"etcd", e}}, nil
}

func (u *upstreamSystem) restConfig(context.Context) (*rest.Config, error) {
	return &rest.Config{
		Host: fmt.Sprintf("https://127.0.0.1:%d", u.port),
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   u.pki.CAPEM,
			CertData: u.pki.AdminCertPEM,
			KeyData:  u.pki.AdminKeyPEM,
		},
	}, nil
}
