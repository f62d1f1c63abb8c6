package noderesourcesfit

import (
	"context"
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	configv1 "k8s.io/kube-scheduler/config/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/framework/fake"
)

func newFit(t *testing.T, args runtime.Object) *Fit {
	t.Helper()
	pl, err := New(context.Background(), args, nil)
	if err != nil {
		t.Fatal(err)
	}
	return pl.(*Fit)
}

func TestFilter(t *testing.T) {
	withInit := func(p *v1.Pod, cpu string) *v1.Pod {
		p.Spec.InitContainers = []v1.Container{{Name: "init", Resources: v1.ResourceRequirements{Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse(cpu)}}}}
		return p
	}
	withOverhead := func(p *v1.Pod, cpu string) *v1.Pod {
		p.Spec.Overhead = v1.ResourceList{v1.ResourceCPU: resource.MustParse(cpu)}
		return p
	}
	withExtended := func(p *v1.Pod, n int64) *v1.Pod {
		p.Spec.Containers[0].Resources.Requests["example.com/gpu"] = *resource.NewQuantity(n, resource.DecimalSI)
		return p
	}
	for _, tc := range []struct {
		name     string
		existing []*v1.Pod
		pod      *v1.Pod
		pods     string
		want     string
	}{
		{"fits", nil, fake.Pod("p", "", "1", "1Gi"), "", "Success"},
		{"best-effort pod always fits resources", []*v1.Pod{fake.Pod("a", "n1", "10", "10Gi")}, fake.Pod("p", "", "", ""), "", "Success"},
		{"insufficient cpu", []*v1.Pod{fake.Pod("a", "n1", "8", "")}, fake.Pod("p", "", "3", ""), "", "Unschedulable: Insufficient cpu"},
		{"insufficient cpu and memory", []*v1.Pod{fake.Pod("a", "n1", "9", "19Gi")}, fake.Pod("p", "", "2", "2Gi"), "", "Unschedulable: Insufficient cpu, Insufficient memory"},
		{"more than the node has is unresolvable", nil, fake.Pod("p", "", "11", ""), "", "UnschedulableAndUnresolvable: Insufficient cpu"},
		{"init container request counts when larger", nil, withInit(fake.Pod("p", "", "1", ""), "11"), "", "UnschedulableAndUnresolvable: Insufficient cpu"},
		{"overhead counts", []*v1.Pod{fake.Pod("a", "n1", "9", "")}, withOverhead(fake.Pod("p", "", "1", ""), "500m"), "", "Unschedulable: Insufficient cpu"},
		{"too many pods", []*v1.Pod{fake.Pod("a", "n1", "", "")}, fake.Pod("p", "", "", ""), "1", "Unschedulable: Too many pods"},
		{"missing extended resource", nil, withExtended(fake.Pod("p", "", "1", ""), 1), "", "UnschedulableAndUnresolvable: Insufficient example.com/gpu"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := fake.Node("n1", "10", "20Gi")
			if tc.pods != "" {
				n.Status.Allocatable[v1.ResourcePods] = resource.MustParse(tc.pods)
			}
			got := fake.Filter(newFit(t, nil), tc.pod, fw.NewSnapshot(tc.existing, []*v1.Node{n}))
			if got[0] != tc.want {
				t.Errorf("got %q, want %q", got[0], tc.want)
			}
		})
	}
}

func TestFilterIgnoredResources(t *testing.T) {
	p := fake.Pod("p", "", "1", "")
	p.Spec.Containers[0].Resources.Requests["example.com/gpu"] = resource.MustParse("1")
	snap := fw.NewSnapshot(nil, []*v1.Node{fake.Node("n1", "10", "20Gi")})
	for _, args := range []*configv1.NodeResourcesFitArgs{
		{IgnoredResources: []string{"example.com/gpu"}},
		{IgnoredResourceGroups: []string{"example.com"}},
	} {
		if got := fake.Filter(newFit(t, args), p, snap); got[0] != "Success" {
			t.Errorf("args %+v: %s", args, got[0])
		}
	}
}

// The cases of upstream's least/most allocated tests: node1 4 CPUs and
// 10000 bytes, node2 6 CPUs and 10000 bytes, a pod asking 3 CPUs and
// 5000 bytes.
func TestScoreStrategies(t *testing.T) {
	nodes := []*v1.Node{fake.Node("n1", "4", "10000"), fake.Node("n2", "6", "10000")}
	p := fake.Pod("p", "", "3", "5000")
	shape := []configv1.UtilizationShapePoint{{Utilization: 0, Score: 10}, {Utilization: 100, Score: 0}}
	for _, tc := range []struct {
		name     string
		strategy configv1.ScoringStrategy
		want     []int64
	}{
		{"LeastAllocated", configv1.ScoringStrategy{Type: configv1.LeastAllocated}, []int64{37, 50}},
		{"MostAllocated", configv1.ScoringStrategy{Type: configv1.MostAllocated}, []int64{62, 50}},
		{"RequestedToCapacityRatio as least allocated", configv1.ScoringStrategy{Type: configv1.RequestedToCapacityRatio, RequestedToCapacityRatio: &configv1.RequestedToCapacityRatioParam{Shape: shape}}, []int64{38, 50}},
		{"cpu weighted 3", configv1.ScoringStrategy{Type: configv1.LeastAllocated, Resources: []configv1.ResourceSpec{{Name: "cpu", Weight: 3}, {Name: "memory", Weight: 1}}}, []int64{31, 50}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.strategy
			got, err := fake.Score(newFit(t, &configv1.NodeResourcesFitArgs{ScoringStrategy: &s}), p, fw.NewSnapshot(nil, nodes))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("scores %v, want %v", got, tc.want)
			}
		})
	}
}

// Unset requests count as 100m CPU and 200Mi when spreading.
func TestScoreNonZeroRequests(t *testing.T) {
	nodes := []*v1.Node{fake.Node("n1", "1", "1Gi"), fake.Node("n2", "1", "1Gi")}
	existing := []*v1.Pod{fake.Pod("a", "n1", "", "")}
	got, err := fake.Score(newFit(t, nil), fake.Pod("p", "", "", ""), fw.NewSnapshot(existing, nodes))
	if err != nil {
		t.Fatal(err)
	}
	// n1: cpu (1000-200)/1000 = 80, memory (1024-400)/1024 = 60 -> 70;
	// n2: cpu 90, memory 80 -> 85.
	if !reflect.DeepEqual(got, []int64{70, 85}) {
		t.Errorf("scores %v", got)
	}
}

func TestBadStrategy(t *testing.T) {
	_, err := New(context.Background(), &configv1.NodeResourcesFitArgs{ScoringStrategy: &configv1.ScoringStrategy{Type: "Nope"}}, nil)
	if err == nil || err.Error() != `scoringStrategy.type: Unsupported value: "Nope"` {
		t.Errorf("err = %v", err)
	}
}
