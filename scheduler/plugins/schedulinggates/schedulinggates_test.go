package schedulinggates

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-k8s/skiff/scheduler/framework/fake"
)

func TestPreEnqueue(t *testing.T) {
	for _, tc := range []struct {
		name  string
		gates []string
		want  string
	}{
		{"no gates", nil, "Success"},
		{"one gate", []string{"foo"}, "UnschedulableAndUnresolvable: waiting for scheduling gates: [foo]"},
		{"two gates", []string{"foo", "bar"}, "UnschedulableAndUnresolvable: waiting for scheduling gates: [foo bar]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := fake.Pod("p", "", "", "")
			for _, g := range tc.gates {
				p.Spec.SchedulingGates = append(p.Spec.SchedulingGates, v1.PodSchedulingGate{Name: g})
			}
			if got := fake.Code((&SchedulingGates{}).PreEnqueue(context.Background(), p)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
