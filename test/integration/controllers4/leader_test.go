package controllers4

import (
	"context"

	"path/filepath"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/client-go/kubernetes"

	"github.com/skiff-k8s/skiff/controllers"
	"github.com/skiff-k8s/skiff/etcd"
	"github.com/skiff-k8s/skiff/server"
	"github.com/skiff-k8s/skiff/test/testserver"
)

func lease(t *testing.T, c kubernetes.Interface) *coordinationv1.Lease {
	t.Helper()
	l, err := c.CoordinationV1().Leases("kube-system").Get(ctx, controllers.LeaderElectionID, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("getting the controller manager's lease: %v", err)
	}
	return l
}

func holder(l *coordinationv1.Lease) string {
	if l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}

// waitHolder waits until the lease is held by someone for whom ok is true.
func waitHolder(t *testing.T, c kubernetes.Interface, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		l, err := c.CoordinationV1().Leases("kube-system").Get(ctx, controllers.LeaderElectionID, metav1.GetOptions{})
		if err == nil && ok(holder(l)) {
			return holder(l)
		}
		if time.Now().After(deadline) {
			t.Fatalf("lease holder never satisfied the condition: %v %v", l, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestLeaderElectionLease checks the server's controller manager holds the
// kube-system/skiff-controller-manager Lease as upstream managers do.
func TestLeaderElectionLease(t *testing.T) {
	h := waitHolder(t, srv.Client, func(h string) bool { return h != "" })
	l := lease(t, srv.Client)
	if l.Spec.LeaseDurationSeconds == nil || *l.Spec.LeaseDurationSeconds != 15 {
		t.Errorf("leaseDurationSeconds = %v, want 15", l.Spec.LeaseDurationSeconds)
	}
	if l.Spec.AcquireTime == nil || l.Spec.RenewTime == nil {
		t.Errorf("acquireTime/renewTime not set: %+v", l.Spec)
	}
	t.Logf("holder %s", h)
}

// TestLeaderElectionFailover runs two skiff servers on one etcd: only one
// controller manager leads, a manager started later stays a follower, and
// when the leader stops (releasing its lease) another one takes over.
func TestLeaderElectionFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an extra etcd and two servers")
	}
	dir := t.TempDir()
	member, err := etcd.Start(ctx, etcd.Options{Dir: filepath.Join(dir, "etcd")})
	if err != nil {
		t.Fatal(err)
	}
	defer member.Close()
	start := func(name string) *testserver.Server {
		s, err := testserver.StartWith(server.Options{
			DataDir:      filepath.Join(dir, name),
			ExternalEtcd: storagebackend.TransportConfig{ServerList: []string{member.Endpoint}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := start("a")
	aStopped := false
	defer func() {
		if !aStopped {
			a.Stop()
		}
	}()
	first := waitHolder(t, a.Client, func(h string) bool { return h != "" })
	transitions := lease(t, a.Client).Spec.LeaseTransitions

	b := start("b")
	defer b.Stop()
	// A third manager against b, as a second replica's would be.
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if _, err := controllers.Start(mctx, b.Loopback, controllers.Options{}); err != nil {
		t.Fatal(err)
	}
	// Give the followers several retry periods: the leader must not change.
	time.Sleep(3 * controllers.RetryPeriod)
	l := lease(t, b.Client)
	if holder(l) != first {
		t.Fatalf("lease holder changed from %q to %q while the leader ran", first, holder(l))
	}
	if !equalTransitions(l.Spec.LeaseTransitions, transitions) {
		t.Fatalf("leaseTransitions changed from %v to %v while the leader ran", deref(transitions), deref(l.Spec.LeaseTransitions))
	}

	a.Stop()
	aStopped = true
	// A server that stops releases the lease on its way out (before its
	// API server stops), so a standby need not wait for it to expire.
	if h := holder(lease(t, b.Client)); h == first {
		t.Errorf("lease still held by the stopped server %q", h)
	}
	second := waitHolder(t, b.Client, func(h string) bool { return h != "" && h != first })
	l = lease(t, b.Client)
	if deref(l.Spec.LeaseTransitions) <= deref(transitions) {
		t.Errorf("leaseTransitions = %d after a failover, want > %d", deref(l.Spec.LeaseTransitions), deref(transitions))
	}
	// The new leader runs the controllers: a namespace gets its default
	// ServiceAccount.
	ns, err := b.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "failover-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := b.Client.CoreV1().ServiceAccounts(ns.Name).Get(ctx, "default", metav1.GetOptions{}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("new leader %s did not create the default ServiceAccount", second)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func deref(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func equalTransitions(a, b *int32) bool { return deref(a) == deref(b) }

// TestLeaderElectionRestart restarts a server on its data directory: its
// controller manager released the lease when it stopped and takes it
// again, under the same holder identity.
func TestLeaderElectionRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an extra server twice")
	}
	s, err := testserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	first := waitHolder(t, s.Client, func(h string) bool { return h != "" })
	transitions := deref(lease(t, s.Client).Spec.LeaseTransitions)
	s.Stop()
	if s, err = testserver.StartIn(s.Dir); err != nil {
		t.Fatal(err)
	}
	renewed := lease(t, s.Client).Spec.RenewTime
	waitHolder(t, s.Client, func(h string) bool {
		l := lease(t, s.Client)
		return h == first && l.Spec.RenewTime != nil && renewed != nil && l.Spec.RenewTime.After(renewed.Time)
	})
	if got := deref(lease(t, s.Client).Spec.LeaseTransitions); got != transitions+1 {
		t.Errorf("leaseTransitions = %d after a restart, want %d (released, then acquired again)", got, transitions+1)
	}
}
