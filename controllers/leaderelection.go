package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

var (
	identitiesMu sync.Mutex
	identities   = map[string]bool{}
)

// leaderLock is the kube-system/skiff-controller-manager Lease lock of a
// manager whose context is ctx.
//
// The holder identity is stable across restarts of one replica: the host
// name and a digest of the cluster CA the replica trusts (its data
// directory's). A replica that restarts finds its own identity on a lease
// that may not have been released (the API server stops together with the
// controllers, so releasing on shutdown can fail) and renews it at once
// instead of waiting LeaseDuration. Managers started again in the same
// process while one with that identity runs (tests) get a numbered suffix.
func leaderLock(ctx context.Context, cfg *rest.Config) (resourcelock.Interface, error) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "skiff"
	}
	sum := sha256.Sum256(append(append([]byte{}, cfg.TLSClientConfig.CAData...), cfg.TLSClientConfig.CAFile...))
	base := host + "_" + hex.EncodeToString(sum[:6])
	identitiesMu.Lock()
	id := base
	for n := 2; identities[id]; n++ {
		id = fmt.Sprintf("%s-%d", base, n)
	}
	identities[id] = true
	identitiesMu.Unlock()
	go func() {
		<-ctx.Done()
		identitiesMu.Lock()
		delete(identities, id)
		identitiesMu.Unlock()
	}()

	lcfg := rest.AddUserAgent(rest.CopyConfig(cfg), "leader-election")
	// Requests must time out well within RenewDeadline.
	lcfg.Timeout = max(RenewDeadline/2, time.Second)
	c, err := kubernetes.NewForConfig(lcfg)
	if err != nil {
		return nil, err
	}
	return resourcelock.New(resourcelock.LeasesResourceLock, LeaderElectionNamespace, LeaderElectionID,
		c.CoreV1(), c.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: id})
}
