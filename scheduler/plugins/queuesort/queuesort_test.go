package queuesort

import (
	"testing"
	"time"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/framework/fake"
)

func TestLess(t *testing.T) {
	now := time.Now()
	mk := func(prio int32, ts time.Time) *fw.QueuedPodInfo {
		p := fake.Pod("p", "", "", "")
		p.Spec.Priority = &prio
		return &fw.QueuedPodInfo{PodInfo: fw.NewPodInfo(p), Timestamp: ts}
	}
	for _, tc := range []struct {
		name string
		a, b *fw.QueuedPodInfo
		want bool
	}{
		{"higher priority first", mk(10, now), mk(1, now.Add(-time.Hour)), true},
		{"lower priority later", mk(1, now), mk(10, now), false},
		{"equal priority, older first", mk(5, now.Add(-time.Second)), mk(5, now), true},
		{"equal priority, newer later", mk(5, now), mk(5, now.Add(-time.Second)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (&PrioritySort{}).Less(tc.a, tc.b); got != tc.want {
				t.Errorf("Less = %v, want %v", got, tc.want)
			}
		})
	}
}
