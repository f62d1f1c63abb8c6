package nodeunschedulable

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/framework/fake"
)

func TestFilter(t *testing.T) {
	for _, tc := range []struct {
		name          string
		unschedulable bool
		tolerations   []v1.Toleration
		want          string
	}{
		{"schedulable node", false, nil, "Success"},
		{"cordoned node", true, nil, "UnschedulableAndUnresolvable: " + ErrReasonUnschedulable},
		{"cordoned, pod tolerates the unschedulable taint", true, []v1.Toleration{{Key: v1.TaintNodeUnschedulable, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoSchedule}}, "Success"},
		{"cordoned, pod tolerates everything", true, []v1.Toleration{{Operator: v1.TolerationOpExists}}, "Success"},
		{"cordoned, other toleration", true, []v1.Toleration{{Key: "x", Operator: v1.TolerationOpExists}}, "UnschedulableAndUnresolvable: " + ErrReasonUnschedulable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := fake.Node("n1", "1", "1Gi")
			n.Spec.Unschedulable = tc.unschedulable
			ni := fw.NewNodeInfo()
			ni.SetNode(n)
			p := fake.Pod("p", "", "", "")
			p.Spec.Tolerations = tc.tolerations
			if got := fake.Code((&NodeUnschedulable{}).Filter(context.Background(), nil, p, ni)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
