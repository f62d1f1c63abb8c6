package nodename

import (
	"context"
	"testing"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/framework/fake"
)

func TestFilter(t *testing.T) {
	for _, tc := range []struct{ name, podNode, want string }{
		{"no nodeName", "", "Success"},
		{"same node", "n1", "Success"},
		{"other node", "n2", "UnschedulableAndUnresolvable: " + ErrReason},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ni := fw.NewNodeInfo()
			ni.SetNode(fake.Node("n1", "1", "1Gi"))
			p := fake.Pod("p", tc.podNode, "", "")
			pl, _ := New(context.Background(), nil, nil)
			if got := fake.Code(pl.(*NodeName).Filter(context.Background(), fw.NewCycleState(), p, ni)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
