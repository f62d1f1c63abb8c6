package nodeaffinity

import (
	"context"
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
	configv1 "k8s.io/kube-scheduler/config/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/framework/fake"
)

func required(terms ...v1.NodeSelectorTerm) *v1.Affinity {
	return &v1.Affinity{NodeAffinity: &v1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &v1.NodeSelector{NodeSelectorTerms: terms}}}
}

func expr(key string, op v1.NodeSelectorOperator, values ...string) v1.NodeSelectorTerm {
	return v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
}

func TestFilter(t *testing.T) {
	nodes := []*v1.Node{fake.Node("n1", "1", "1Gi", "zone", "a", "disk", "ssd"), fake.Node("n2", "1", "1Gi", "zone", "b")}
	no := "UnschedulableAndUnresolvable: " + ErrReasonPod
	for _, tc := range []struct {
		name     string
		selector map[string]string
		affinity *v1.Affinity
		want     []string
	}{
		{"nothing", nil, nil, []string{"Success", "Success"}},
		{"nodeSelector", map[string]string{"zone": "a"}, nil, []string{"Success", no}},
		{"nodeSelector matching nothing", map[string]string{"zone": "c"}, nil, []string{no, no}},
		{"In", nil, required(expr("zone", v1.NodeSelectorOpIn, "b")), []string{no, "Success"}},
		{"NotIn", nil, required(expr("zone", v1.NodeSelectorOpNotIn, "b")), []string{"Success", no}},
		{"Exists", nil, required(expr("disk", v1.NodeSelectorOpExists)), []string{"Success", no}},
		{"DoesNotExist", nil, required(expr("disk", v1.NodeSelectorOpDoesNotExist)), []string{no, "Success"}},
		{"terms are ORed", nil, required(expr("zone", v1.NodeSelectorOpIn, "a"), expr("zone", v1.NodeSelectorOpIn, "b")), []string{"Success", "Success"}},
		{"selector and affinity are ANDed", map[string]string{"zone": "a"}, required(expr("zone", v1.NodeSelectorOpIn, "b")), []string{no, no}},
		{"matchFields metadata.name narrows in PreFilter", nil, required(v1.NodeSelectorTerm{MatchFields: []v1.NodeSelectorRequirement{{Key: "metadata.name", Operator: v1.NodeSelectorOpIn, Values: []string{"n2"}}}}), []string{"filtered by PreFilter", "Success"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := fake.Pod("p", "", "", "")
			p.Spec.NodeSelector = tc.selector
			p.Spec.Affinity = tc.affinity
			pl, _ := New(context.Background(), nil, nil)
			if got := fake.Filter(pl.(fw.FilterPlugin), p, fw.NewSnapshot(nil, nodes)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAddedAffinity(t *testing.T) {
	nodes := []*v1.Node{fake.Node("n1", "1", "1Gi", "pool", "a"), fake.Node("n2", "1", "1Gi", "pool", "b")}
	args := &configv1.NodeAffinityArgs{AddedAffinity: &v1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &v1.NodeSelector{NodeSelectorTerms: []v1.NodeSelectorTerm{expr("pool", v1.NodeSelectorOpIn, "a")}}}}
	pl, err := New(context.Background(), args, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := fake.Filter(pl.(fw.FilterPlugin), fake.Pod("p", "", "", ""), fw.NewSnapshot(nil, nodes))
	if !reflect.DeepEqual(got, []string{"Success", "UnschedulableAndUnresolvable: " + ErrReasonEnforced}) {
		t.Errorf("got %q", got)
	}
}

func TestScore(t *testing.T) {
	nodes := []*v1.Node{fake.Node("n1", "1", "1Gi", "zone", "a"), fake.Node("n2", "1", "1Gi", "zone", "b", "disk", "ssd"), fake.Node("n3", "1", "1Gi")}
	p := fake.Pod("p", "", "", "")
	p.Spec.Affinity = &v1.Affinity{NodeAffinity: &v1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.PreferredSchedulingTerm{
		{Weight: 2, Preference: expr("zone", v1.NodeSelectorOpIn, "a", "b")},
		{Weight: 6, Preference: expr("disk", v1.NodeSelectorOpExists)},
	}}}
	pl, _ := New(context.Background(), nil, nil)
	got, err := fake.Score(pl.(fw.ScorePlugin), p, fw.NewSnapshot(nil, nodes))
	if err != nil {
		t.Fatal(err)
	}
	// Raw 2, 8, 0 scaled so the best is 100.
	if !reflect.DeepEqual(got, []int64{25, 100, 0}) {
		t.Errorf("scores %v", got)
	}
}
