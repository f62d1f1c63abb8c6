package podtopologyspread

import (
	"context"
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/framework/fake"
)

func spread(p *v1.Pod, key string, maxSkew int32, when v1.UnsatisfiableConstraintAction) *v1.Pod {
	p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, v1.TopologySpreadConstraint{
		MaxSkew: maxSkew, TopologyKey: key, WhenUnsatisfiable: when,
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}},
	})
	return p
}

func newPlugin(t *testing.T, h fw.Handle) *Plugin {
	pl, err := New(context.Background(), nil, h)
	if err != nil {
		t.Fatal(err)
	}
	return pl.(*Plugin)
}

// Upstream's classic example: zone1 {n1, n2}, zone2 {n3, n4}.
func TestFilter(t *testing.T) {
	nodes := []*v1.Node{
		fake.Node("n1", "4", "8Gi", "zone", "z1"), fake.Node("n2", "4", "8Gi", "zone", "z1"),
		fake.Node("n3", "4", "8Gi", "zone", "z2"), fake.Node("n4", "4", "8Gi", "zone", "z2"),
		fake.Node("nolabel", "4", "8Gi"),
	}
	x := func(name, node string) *v1.Pod { return fake.Pod(name, node, "", "", "app", "x") }
	skew := "Unschedulable: " + ErrReasonConstraintsNotMatch
	missing := "UnschedulableAndUnresolvable: " + ErrReasonNodeLabelNotMatch
	for _, tc := range []struct {
		name     string
		existing []*v1.Pod
		pod      *v1.Pod
		want     []string
	}{
		{"empty cluster", nil, spread(x("p", ""), "zone", 1, v1.DoNotSchedule), []string{"Success", "Success", "Success", "Success", missing}},
		{"zone1 ahead by one", []*v1.Pod{x("a", "n1")}, spread(x("p", ""), "zone", 1, v1.DoNotSchedule), []string{skew, skew, "Success", "Success", missing}},
		{"maxSkew 2 allows it", []*v1.Pod{x("a", "n1")}, spread(x("p", ""), "zone", 2, v1.DoNotSchedule), []string{"Success", "Success", "Success", "Success", missing}},
		{"pod not matching its own selector", []*v1.Pod{x("a", "n1")}, spread(fake.Pod("p", "", "", ""), "zone", 1, v1.DoNotSchedule), []string{"Success", "Success", "Success", "Success", missing}},
		{"hostname key", []*v1.Pod{x("a", "n1"), x("b", "n2"), x("c", "n3")}, spread(x("p", ""), v1.LabelHostname, 1, v1.DoNotSchedule), []string{skew, skew, skew, "Success", "Success"}},
		{"other namespaces do not count", []*v1.Pod{func() *v1.Pod { p := x("a", "n1"); p.Namespace = "other"; return p }()}, spread(x("p", ""), "zone", 1, v1.DoNotSchedule), []string{"Success", "Success", "Success", "Success", missing}},
		{"ScheduleAnyway does not filter", []*v1.Pod{x("a", "n1"), x("b", "n1")}, spread(x("p", ""), "zone", 1, v1.ScheduleAnyway), []string{"Success", "Success", "Success", "Success", "Success"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := fake.NewHandle(tc.existing, nodes)
			if got := fake.Filter(newPlugin(t, h), tc.pod, h.Snap); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestMinDomains(t *testing.T) {
	nodes := []*v1.Node{fake.Node("n1", "4", "8Gi", "zone", "z1"), fake.Node("n2", "4", "8Gi", "zone", "z2")}
	existing := []*v1.Pod{fake.Pod("a", "n1", "", "", "app", "x"), fake.Pod("b", "n2", "", "", "app", "x")}
	p := spread(fake.Pod("p", "", "", "", "app", "x"), "zone", 1, v1.DoNotSchedule)
	three := int32(3)
	p.Spec.TopologySpreadConstraints[0].MinDomains = &three
	h := fake.NewHandle(existing, nodes)
	// Fewer domains than minDomains: the global minimum is 0, so 1+1-0 > 1.
	skew := "Unschedulable: " + ErrReasonConstraintsNotMatch
	if got := fake.Filter(newPlugin(t, h), p, h.Snap); !reflect.DeepEqual(got, []string{skew, skew}) {
		t.Errorf("got %q", got)
	}
}

func TestScore(t *testing.T) {
	nodes := []*v1.Node{fake.Node("n1", "4", "8Gi", "zone", "z1"), fake.Node("n2", "4", "8Gi", "zone", "z1"), fake.Node("n3", "4", "8Gi", "zone", "z2")}
	x := func(name, node string) *v1.Pod { return fake.Pod(name, node, "", "", "app", "x") }
	existing := []*v1.Pod{x("a", "n1"), x("b", "n2"), x("c", "n2")}
	h := fake.NewHandle(existing, nodes)
	got, err := fake.Score(newPlugin(t, h), spread(x("p", ""), "zone", 1, v1.ScheduleAnyway), h.Snap)
	if err != nil {
		t.Fatal(err)
	}
	// z1 has 3 matching pods, z2 none: the empty zone scores 100.
	if got[2] != 100 || got[0] != got[1] || got[0] >= got[2] {
		t.Errorf("scores %v", got)
	}
	if !reflect.DeepEqual(got, []int64{0, 0, 100}) {
		t.Errorf("scores %v, want [0 0 100]", got)
	}
}
