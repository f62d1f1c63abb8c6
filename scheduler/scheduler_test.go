package scheduler

import (
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/framework/fake"
	"github.com/skiff-k8s/skiff/scheduler/plugins/queuesort"
)

func TestNumFeasibleNodesToFind(t *testing.T) {
	for _, tc := range []struct {
		pct       int32
		all, want int
	}{
		{0, 10, 10}, {0, 99, 99}, {0, 1000, 420}, {0, 5000, 500}, {0, 10000, 500}, {0, 6000, 300}, {50, 1000, 500}, {100, 5000, 5000}, {1, 1000, 100},
	} {
		if got := numFeasibleNodesToFind(tc.pct, tc.all); got != tc.want {
			t.Errorf("numFeasibleNodesToFind(%d, %d) = %d, want %d", tc.pct, tc.all, got, tc.want)
		}
	}
}

func newTestQueue() (*queue, *time.Time) {
	now := time.Now()
	q := newQueue((&queuesort.PrioritySort{}).Less, func(p *v1.Pod) *fw.Status {
		if len(p.Spec.SchedulingGates) > 0 {
			return fw.NewStatus(fw.UnschedulableAndUnresolvable, "gated")
		}
		return nil
	}, time.Second, 10*time.Second)
	q.now = func() time.Time { return now }
	return q, &now
}

func TestQueueOrderAndBackoff(t *testing.T) {
	q, now := newTestQueue()
	low, high := fake.Pod("low", "", "", ""), fake.Pod("high", "", "", "")
	hp := int32(10)
	high.Spec.Priority = &hp
	q.add(low)
	q.add(high)
	if got := q.pop().Pod.Name; got != "high" {
		t.Fatalf("popped %s first", got)
	}
	qpi := q.pop()
	cycle := q.cycle()
	// Failed with no event since: unschedulable, not retried by time alone.
	q.requeue(qpi, cycle, low)
	if a, b, u := q.pending(); a != 0 || b != 0 || u != 1 {
		t.Fatalf("after failure: active %d backoff %d unschedulable %d", a, b, u)
	}
	// A node event moves it to backoff (1s after its failure).
	q.move(evNodeAdd)
	if a, b, _ := q.pending(); a != 0 || b != 1 {
		t.Fatalf("after event: active %d backoff %d", a, b)
	}
	*now = now.Add(1100 * time.Millisecond)
	q.flushBackoff()
	if a, _, _ := q.pending(); a != 1 {
		t.Fatalf("backoff not flushed after 1.1s")
	}
	// The second failure doubles the backoff.
	qpi = q.pop()
	if qpi.Attempts != 2 || q.backoffDuration(qpi) != 2*time.Second {
		t.Errorf("attempts %d backoff %v", qpi.Attempts, q.backoffDuration(qpi))
	}
}

func TestQueueEventDuringAttempt(t *testing.T) {
	q, _ := newTestQueue()
	q.add(fake.Pod("p", "", "", ""))
	qpi := q.pop()
	cycle := q.cycle()
	q.move(evNodeAdd) // arrives while the pod is being scheduled
	q.requeue(qpi, cycle, qpi.Pod)
	if _, b, u := q.pending(); b != 1 || u != 0 {
		t.Errorf("a pod that missed an event should back off, not wait: backoff %d unschedulable %d", b, u)
	}
}

func TestQueueEventFiltering(t *testing.T) {
	q, _ := newTestQueue()
	q.add(fake.Pod("p", "", "", ""))
	qpi := q.pop()
	qpi.UnschedulablePlugins = sets.New("NodeResourcesFit")
	q.requeue(qpi, q.cycle(), qpi.Pod)
	q.move(evAssignedAdd) // a new pod elsewhere cannot free resources
	if _, _, u := q.pending(); u != 1 {
		t.Errorf("pod moved by an unrelated event")
	}
	q.move(evAssignedDelete)
	if _, b, u := q.pending(); u != 0 || b != 1 {
		t.Errorf("pod not moved by a pod deletion")
	}
}

func TestQueueGates(t *testing.T) {
	q, _ := newTestQueue()
	p := fake.Pod("p", "", "", "")
	p.Spec.SchedulingGates = []v1.PodSchedulingGate{{Name: "g"}}
	q.add(p)
	q.move(evNodeAdd)
	if a, _, u := q.pending(); a != 0 || u != 1 {
		t.Fatalf("gated pod: active %d unschedulable %d", a, u)
	}
	open := p.DeepCopy()
	open.Spec.SchedulingGates = nil
	q.update(p, open)
	if a, _, _ := q.pending(); a != 1 {
		t.Errorf("ungated pod not active")
	}
}

func TestCacheSnapshot(t *testing.T) {
	c := newCache()
	s := fw.NewEmptySnapshot()
	c.addOrUpdateNode(fake.Node("n1", "4", "8Gi", v1.LabelTopologyZone, "a"))
	c.addOrUpdateNode(fake.Node("n2", "4", "8Gi", v1.LabelTopologyZone, "a"))
	c.addOrUpdateNode(fake.Node("n3", "4", "8Gi", v1.LabelTopologyZone, "b"))
	c.updateSnapshot(s)
	var order []string
	for _, ni := range s.NodeInfoList {
		order = append(order, ni.Node().Name)
	}
	if strings.Join(order, ",") != "n1,n3,n2" {
		t.Errorf("zones not interleaved: %v", order)
	}
	p := fake.Pod("p", "n1", "1", "")
	if err := c.assume(p); err != nil {
		t.Fatal(err)
	}
	before := s.NodeInfoMap["n1"]
	c.updateSnapshot(s)
	if s.NodeInfoMap["n1"].Requested.MilliCPU != 1000 || len(s.NodeInfoMap["n2"].Pods) != 0 {
		t.Errorf("assumed pod not in snapshot")
	}
	if before != s.NodeInfoMap["n1"] {
		t.Errorf("snapshot entry replaced instead of updated in place")
	}
	c.forget(p)
	c.updateSnapshot(s)
	if s.NodeInfoMap["n1"].Requested.MilliCPU != 0 {
		t.Errorf("forgotten pod still counted")
	}
	c.removeNode("n2")
	c.updateSnapshot(s)
	if len(s.NodeInfoList) != 2 {
		t.Errorf("removed node still listed")
	}
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(`apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 30
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packer
  plugins:
    score:
      disabled:
      - name: NodeResourcesBalancedAllocation
      - name: ImageLocality
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Profiles) != 2 || c.Profiles[1].SchedulerName != "bin-packer" || c.PercentageOfNodesToScore != 30 {
		t.Fatalf("parsed %+v", c)
	}
	for _, bad := range []struct{ yaml, want string }{
		{"apiVersion: v1\nkind: Pod\n", "want apiVersion kubescheduler.config.k8s.io/v1"},
		{"apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nbogus: 1\n", `unknown field "bogus"`},
		{"apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: a\n- schedulerName: a\n", `profiles[1].schedulerName: Duplicate value: "a"`},
		{"apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      nope: 1\n", `unknown field "nope"`},
	} {
		if _, err := ParseConfig([]byte(bad.yaml)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: err %v, want %q", bad.yaml, err, bad.want)
		}
	}
}
