package balancedallocation

import (
	"context"
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/framework/fake"
)

func TestScore(t *testing.T) {
	pl, _ := New(context.Background(), nil, nil)
	for _, tc := range []struct {
		name     string
		nodes    []*v1.Node
		existing []*v1.Pod
		pod      *v1.Pod
		want     []int64
	}{
		// n1: cpu 3/4, memory 5000/10000 -> std 0.125 -> 87 with the pod,
		// 100 without: 50 + (50 + 87 - 100)/2 = 68. n2: 3/6 and 1/2 -> 75.
		{"differently sized nodes", []*v1.Node{fake.Node("n1", "4", "10000"), fake.Node("n2", "6", "10000")}, nil, fake.Pod("p", "", "3", "5000"), []int64{68, 75}},
		// Balancing an unbalanced node scores above 75.
		{"pod balances a node", []*v1.Node{fake.Node("n1", "4", "10000"), fake.Node("n2", "4", "10000")}, []*v1.Pod{fake.Pod("a", "n1", "2", "")}, fake.Pod("p", "", "", "5000"), []int64{87, 62}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fake.Score(pl.(fw.ScorePlugin), tc.pod, fw.NewSnapshot(tc.existing, tc.nodes))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("scores %v, want %v", got, tc.want)
			}
		})
	}
}

func TestBestEffortSkipped(t *testing.T) {
	pl, _ := New(context.Background(), nil, nil)
	got, err := fake.Score(pl.(fw.ScorePlugin), fake.Pod("p", "", "", ""), fw.NewSnapshot(nil, []*v1.Node{fake.Node("n1", "4", "1Gi")}))
	if err != nil || got != nil {
		t.Errorf("best-effort pod: scores %v, err %v; want PreScore to skip", got, err)
	}
}
