// Package etcd runs the single-member etcd that skiff embeds by default.
//
// The member listens on loopback ports chosen by the kernel: nothing outside
// the process needs to reach it, and tests can run many servers side by side.
// Raft timings are shortened because a lone member never waits for peers: the
// only election it ever holds is against itself, at every start.
package etcd

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// Embedded is a running embedded etcd member.
type Embedded struct {
	etcd *embed.Etcd
	// Endpoint is the client URL the apiserver dials.
	Endpoint string
}

// Options tune the embedded member.
type Options struct {
	// Dir holds the member's data (wal and snap).
	Dir string
	// UnsafeNoFsync trades durability for write speed; for benchmarks only.
	UnsafeNoFsync bool
}

// Start launches the member and waits until it serves clients.
func Start(ctx context.Context, o Options) (*Embedded, error) {
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Name = "skiff"
	cfg.Dir = o.Dir
	// etcd logs benign errors at every start and stop ("missing term
	// information", "server closed"); only fatal ones are worth a user's eye.
	cfg.LogLevel = "fatal"
	cfg.UnsafeNoFsync = o.UnsafeNoFsync
	// A single member elects itself after one election timeout; 10 ms ticks
	// and a 100 ms timeout make a restart with data ready in ~0.1 s
	// instead of ~1 s with etcd's defaults.
	cfg.TickMs = 10
	cfg.ElectionMs = 100
	// Fewer retained raft entries keep the idle footprint small.
	cfg.SnapshotCount = 5000
	loop, _ := url.Parse("http://127.0.0.1:0")
	cfg.ListenClientUrls = []url.URL{*loop}
	cfg.ListenPeerUrls = []url.URL{*loop}
	// Advertised URLs only name the member to itself; with port 0 listeners
	// the real addresses are read back after start.
	nominal, _ := url.Parse("http://127.0.0.1:2380")
	cfg.AdvertisePeerUrls = []url.URL{*nominal}
	nominalClient, _ := url.Parse("http://127.0.0.1:2379")
	cfg.AdvertiseClientUrls = []url.URL{*nominalClient}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.Metrics = "basic"
	cfg.EnableGRPCGateway = false
	if _, err := os.Stat(filepath.Join(o.Dir, "member")); err == nil {
		cfg.ClusterState = embed.ClusterStateFlagExisting
	}

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("starting embedded etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("embedded etcd: %w", err)
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, fmt.Errorf("embedded etcd was not ready within 60s")
	case <-ctx.Done():
		e.Close()
		return nil, ctx.Err()
	}
	return &Embedded{etcd: e, Endpoint: "http://" + e.Clients[0].Addr().String()}, nil
}

// Close stops the member and waits for it to release its files.
func (e *Embedded) Close() {
	e.etcd.Close()
}
