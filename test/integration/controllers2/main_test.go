// Package controllers2 tests the job, cronjob, ttl-after-finished,
// endpointslice, endpoints, node lifecycle and pod GC controllers against a
// real in-process skiff server, with a fake node agent standing in for the
// kubelet and the scheduler.
package controllers2

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/skiff-k8s/skiff/controllers/cronjob"
	"github.com/skiff-k8s/skiff/controllers/job"
	"github.com/skiff-k8s/skiff/controllers/nodelifecycle"
	"github.com/skiff-k8s/skiff/controllers/podgc"
	"github.com/skiff-k8s/skiff/test/fakenode"
	"github.com/skiff-k8s/skiff/test/testserver"
)

var (
	// clockOffset moves the cronjob controller's clock forward.
	clockOffset atomic.Int64

	srv  *testserver.Server
	node *fakenode.Node
	ctx  = context.Background()
)

// exitAnnotation on a pod makes the fake node terminate its containers
// with that exit code once it runs.
const exitAnnotation = "test.skiff.dev/exit-code"

func TestMain(m *testing.M) {
	// Short periods so the tests run in seconds; the controllers read
	// these when they run.
	job.DefaultBackoff = 200 * time.Millisecond
	cronjob.MaxRequeue = 200 * time.Millisecond
	cronjob.SetNow(func() time.Time { return time.Now().Add(time.Duration(clockOffset.Load())) })
	fakenode.LeaseRenewInterval = 300 * time.Millisecond
	nodelifecycle.NodeMonitorGracePeriod = 3 * time.Second
	nodelifecycle.NodeMonitorPeriod = 500 * time.Millisecond
	podgc.GCCheckPeriod = 500 * time.Millisecond
	podgc.QuarantineTime = time.Second
	testserver.Main(runWithNode{m}, &srv)
}

type runWithNode struct{ m *testing.M }

func (r runWithNode) Run() int {
	nctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var err error
	if node, err = fakenode.Start(nctx, srv.Client, "worker-1"); err != nil {
		fmt.Println("starting fake node:", err)
		return 1
	}
	go autoExit(nctx)
	return r.m.Run()
}

// autoExit terminates the containers of running pods that carry
// exitAnnotation, with that exit code.
func autoExit(ctx context.Context) {
	for ctx.Err() == nil {
		w, err := srv.Client.CoreV1().Pods("").Watch(ctx, metav1.ListOptions{FieldSelector: "status.phase=Running"})
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if !ok || ev.Type == watch.Deleted || p.DeletionTimestamp != nil || p.Spec.NodeName != node.Name {
				continue
			}
			v, ok := p.Annotations[exitAnnotation]
			if !ok {
				continue
			}
			code, err := strconv.Atoi(v)
			if err != nil {
				continue
			}
			_ = node.Terminate(ctx, p.Namespace, p.Name, int32(code))
		}
	}
}

func newNamespace(t *testing.T) string {
	t.Helper()
	ns, err := srv.Client.CoreV1().Namespaces().Create(ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "ctl-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}

// eventually polls f until it returns nil, failing with its last error.
func eventually(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		last = f()
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("timed out: %v", last)
	}
}

func ptr[T any](v T) *T { return &v }
