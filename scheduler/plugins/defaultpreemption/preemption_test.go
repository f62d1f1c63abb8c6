package defaultpreemption

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/framework/fake"
	"github.com/skiff-k8s/skiff/scheduler/plugins/noderesourcesfit"
)

func prio(p *v1.Pod, v int32) *v1.Pod {
	p.Spec.Priority = &v
	return p
}

func started(p *v1.Pod, minutesAgo int) *v1.Pod {
	t := metav1.NewTime(time.Now().Add(-time.Duration(minutesAgo) * time.Minute))
	p.Status.StartTime = &t
	return p
}

func names(pods []*v1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	sort.Strings(out)
	return out
}

// selectVictims evicts only as many lower-priority pods as needed,
// keeping the most important ones.
func TestSelectVictims(t *testing.T) {
	node := fake.Node("n1", "4", "8Gi")
	for _, tc := range []struct {
		name     string
		existing []*v1.Pod
		pdbs     []*policyv1.PodDisruptionBudget
		cpu      string
		want     []string
		violated int
		status   string
	}{
		{"one low pod is enough", []*v1.Pod{prio(fake.Pod("a", "n1", "2", ""), 1), prio(fake.Pod("b", "n1", "2", ""), 2)}, nil, "2", []string{"a"}, 0, "Success"},
		{"both needed", []*v1.Pod{prio(fake.Pod("a", "n1", "2", ""), 1), prio(fake.Pod("b", "n1", "2", ""), 2), prio(fake.Pod("c", "n1", "0", ""), 3)}, nil, "3", []string{"a", "b"}, 0, "Success"},
		{"higher priority pods are not victims", []*v1.Pod{prio(fake.Pod("a", "n1", "4", ""), 100)}, nil, "3", nil, 0, "UnschedulableAndUnresolvable: " + msgNoVictims},
		{"a PDB protects a pod when another will do", []*v1.Pod{prio(fake.Pod("a", "n1", "2", "", "app", "guarded"), 1), prio(fake.Pod("b", "n1", "2", ""), 1)},
			[]*policyv1.PodDisruptionBudget{pdb("guarded", 0)}, "2", []string{"b"}, 0, "Success"},
		{"a PDB is violated when needed", []*v1.Pod{prio(fake.Pod("a", "n1", "3", "", "app", "guarded"), 1), prio(fake.Pod("b", "n1", "1", ""), 1)},
			[]*policyv1.PodDisruptionBudget{pdb("guarded", 0)}, "3", []string{"a"}, 1, "Success"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fit, _ := noderesourcesfit.New(context.Background(), nil, nil)
			h := fake.NewHandle(tc.existing, []*v1.Node{node})
			h.Filters = []fw.FilterPlugin{fit.(fw.FilterPlugin)}
			h.PreFilters = []fw.PreFilterPlugin{fit.(fw.PreFilterPlugin)}
			pl := &Plugin{h: h, minCandidatesPercent: 10, minCandidatesAbs: 100}
			preemptor := prio(fake.Pod("p", "", tc.cpu, ""), 10)
			state := fw.NewCycleState()
			fit.(fw.PreFilterPlugin).PreFilter(context.Background(), state, preemptor, nil)
			victims, violated, st := pl.selectVictims(context.Background(), state, preemptor, h.Snap.NodeInfoList[0].Clone(), tc.pdbs)
			if got := fake.Code(st); got != tc.status {
				t.Fatalf("status %q, want %q", got, tc.status)
			}
			if !reflect.DeepEqual(names(victims), tc.want) || violated != tc.violated {
				t.Errorf("victims %v (%d PDB violations), want %v (%d)", names(victims), violated, tc.want, tc.violated)
			}
		})
	}
}

func pdb(app string, allowed int32) *policyv1.PodDisruptionBudget {
	one := intstr.FromInt32(1)
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: "default"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}},
		Status:     policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: allowed},
	}
}

func TestPickOne(t *testing.T) {
	c := func(node string, violations int, victims ...*v1.Pod) candidate {
		return candidate{node: node, victims: victims, pdbViolations: violations}
	}
	for _, tc := range []struct {
		name string
		cs   []candidate
		want string
	}{
		{"fewest PDB violations", []candidate{c("a", 1, prio(fake.Pod("x", "", "", ""), 1)), c("b", 0, prio(fake.Pod("y", "", "", ""), 5))}, "b"},
		{"lowest highest priority", []candidate{c("a", 0, prio(fake.Pod("x", "", "", ""), 5)), c("b", 0, prio(fake.Pod("y", "", "", ""), 3), prio(fake.Pod("z", "", "", ""), 3))}, "b"},
		{"lowest priority sum", []candidate{c("a", 0, prio(fake.Pod("x", "", "", ""), 5), prio(fake.Pod("w", "", "", ""), 4)), c("b", 0, prio(fake.Pod("y", "", "", ""), 5), prio(fake.Pod("z", "", "", ""), 1))}, "b"},
		{"fewest victims", []candidate{c("a", 0, prio(fake.Pod("x", "", "", ""), 5), prio(fake.Pod("w", "", "", ""), -5)), c("b", 0, prio(fake.Pod("y", "", "", ""), 5))}, "b"},
		{"latest started", []candidate{c("a", 0, started(prio(fake.Pod("x", "", "", ""), 5), 60)), c("b", 0, started(prio(fake.Pod("y", "", "", ""), 5), 1))}, "b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pickOne(tc.cs); got.node != tc.want {
				t.Errorf("picked %s, want %s", got.node, tc.want)
			}
		})
	}
}

func TestNotEligible(t *testing.T) {
	never := v1.PreemptNever
	p := prio(fake.Pod("p", "", "1", ""), 10)
	p.Spec.PreemptionPolicy = &never
	pl := &Plugin{h: fake.NewHandle(nil, nil)}
	if ok, msg := pl.eligible(p, &fw.NodeToStatus{}); ok || msg != "not eligible due to preemptionPolicy=Never." {
		t.Errorf("eligible = %v, %q", ok, msg)
	}
}
