package tainttoleration

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/framework/fake"
)

func TestFilter(t *testing.T) {
	noSchedule := v1.Taint{Key: "dedicated", Value: "user1", Effect: v1.TaintEffectNoSchedule}
	for _, tc := range []struct {
		name        string
		taints      []v1.Taint
		tolerations []v1.Toleration
		want        string
	}{
		{"no taints", nil, nil, "Success"},
		{"untolerated NoSchedule", []v1.Taint{noSchedule}, nil, "UnschedulableAndUnresolvable: " + ErrReasonNotMatch},
		{"tolerated by Equal", []v1.Taint{noSchedule}, []v1.Toleration{{Key: "dedicated", Operator: v1.TolerationOpEqual, Value: "user1", Effect: v1.TaintEffectNoSchedule}}, "Success"},
		{"wrong value", []v1.Taint{noSchedule}, []v1.Toleration{{Key: "dedicated", Operator: v1.TolerationOpEqual, Value: "user2", Effect: v1.TaintEffectNoSchedule}}, "UnschedulableAndUnresolvable: " + ErrReasonNotMatch},
		{"tolerated by Exists without effect", []v1.Taint{noSchedule}, []v1.Toleration{{Key: "dedicated", Operator: v1.TolerationOpExists}}, "Success"},
		{"PreferNoSchedule does not filter", []v1.Taint{{Key: "a", Effect: v1.TaintEffectPreferNoSchedule}}, nil, "Success"},
		{"untolerated NoExecute", []v1.Taint{{Key: "a", Effect: v1.TaintEffectNoExecute}}, nil, "UnschedulableAndUnresolvable: " + ErrReasonNotMatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := fake.Node("n1", "1", "1Gi")
			n.Spec.Taints = tc.taints
			ni := fw.NewNodeInfo()
			ni.SetNode(n)
			p := fake.Pod("p", "", "", "")
			p.Spec.Tolerations = tc.tolerations
			if got := fake.Code((&TaintToleration{}).Filter(context.Background(), nil, p, ni)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// Upstream's documented scoring: fewer untolerated PreferNoSchedule
// taints is better, scaled so the best node gets 100 and the worst 0.
func TestScore(t *testing.T) {
	soft := func(keys ...string) []v1.Taint {
		var out []v1.Taint
		for _, k := range keys {
			out = append(out, v1.Taint{Key: k, Value: "v", Effect: v1.TaintEffectPreferNoSchedule})
		}
		return out
	}
	for _, tc := range []struct {
		name        string
		tolerations []v1.Toleration
		taints      [][]v1.Taint
		want        []int64
	}{
		{"no taints anywhere", nil, [][]v1.Taint{nil, nil}, []int64{100, 100}},
		{"one tainted node", nil, [][]v1.Taint{nil, soft("a")}, []int64{100, 0}},
		{"one and two taints", nil, [][]v1.Taint{nil, soft("a"), soft("a", "b")}, []int64{100, 50, 0}},
		{"toleration of a", []v1.Toleration{{Key: "a", Operator: v1.TolerationOpEqual, Value: "v", Effect: v1.TaintEffectPreferNoSchedule}}, [][]v1.Taint{soft("a"), soft("b")}, []int64{100, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pl := &TaintToleration{}
			p := fake.Pod("p", "", "", "")
			p.Spec.Tolerations = tc.tolerations
			state := fw.NewCycleState()
			pl.PreScore(context.Background(), state, p, nil)
			var scores []fw.NodeScore
			for i, taints := range tc.taints {
				n := fake.Node(string(rune('a'+i)), "1", "1Gi")
				n.Spec.Taints = taints
				ni := fw.NewNodeInfo()
				ni.SetNode(n)
				s, st := pl.Score(context.Background(), state, p, ni)
				if !st.IsSuccess() {
					t.Fatal(st.Message())
				}
				scores = append(scores, fw.NodeScore{Name: n.Name, Score: s})
			}
			pl.NormalizeScore(context.Background(), state, p, scores)
			for i := range scores {
				if scores[i].Score != tc.want[i] {
					t.Errorf("node %d: score %d, want %d", i, scores[i].Score, tc.want[i])
				}
			}
		})
	}
}
