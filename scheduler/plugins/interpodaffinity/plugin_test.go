package interpodaffinity

import (
	"context"
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/framework/fake"
)

func term(key, app string) v1.PodAffinityTerm {
	return v1.PodAffinityTerm{TopologyKey: key, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}}
}

func affinity(p *v1.Pod, terms ...v1.PodAffinityTerm) *v1.Pod {
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &v1.Affinity{}
	}
	p.Spec.Affinity.PodAffinity = &v1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: terms}
	return p
}

func anti(p *v1.Pod, terms ...v1.PodAffinityTerm) *v1.Pod {
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &v1.Affinity{}
	}
	p.Spec.Affinity.PodAntiAffinity = &v1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: terms}
	return p
}

func TestFilter(t *testing.T) {
	nodes := []*v1.Node{fake.Node("n1", "4", "8Gi", "zone", "z1"), fake.Node("n2", "4", "8Gi", "zone", "z1"), fake.Node("n3", "4", "8Gi", "zone", "z2")}
	db := fake.Pod("db", "n1", "", "", "app", "db")
	noAff := "UnschedulableAndUnresolvable: " + ErrReasonAffinityRulesNotMatch
	noAnti := "Unschedulable: " + ErrReasonAntiAffinityRulesNotMatch
	noExisting := "Unschedulable: " + ErrReasonExistingAntiAffinityRulesNotMatch
	for _, tc := range []struct {
		name     string
		existing []*v1.Pod
		pod      *v1.Pod
		want     []string
	}{
		{"affinity to a node's pod", []*v1.Pod{db}, affinity(fake.Pod("p", "", "", ""), term(v1.LabelHostname, "db")), []string{"Success", noAff, noAff}},
		{"affinity to a zone's pod", []*v1.Pod{db}, affinity(fake.Pod("p", "", "", ""), term("zone", "db")), []string{"Success", "Success", noAff}},
		{"affinity to nothing", nil, affinity(fake.Pod("p", "", "", ""), term("zone", "db")), []string{noAff, noAff, noAff}},
		{"first pod of a self-affine group", nil, affinity(fake.Pod("p", "", "", "", "app", "db"), term("zone", "db")), []string{"Success", "Success", "Success"}},
		{"anti-affinity by zone", []*v1.Pod{db}, anti(fake.Pod("p", "", "", ""), term("zone", "db")), []string{noAnti, noAnti, "Success"}},
		{"existing pod's anti-affinity", []*v1.Pod{anti(fake.Pod("e", "n3", "", ""), term("zone", "web"))}, fake.Pod("p", "", "", "", "app", "web"), []string{"Success", "Success", noExisting}},
		{"existing anti-affinity does not select the pod", []*v1.Pod{anti(fake.Pod("e", "n3", "", ""), term("zone", "web"))}, fake.Pod("p", "", "", "", "app", "api"), []string{"Success", "Success", "Success"}},
		{"other namespace is not selected", []*v1.Pod{func() *v1.Pod { p := fake.Pod("db", "n1", "", "", "app", "db"); p.Namespace = "other"; return p }()}, affinity(fake.Pod("p", "", "", ""), term("zone", "db")), []string{noAff, noAff, noAff}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := fake.NewHandle(tc.existing, nodes)
			pl, _ := New(context.Background(), nil, h)
			if got := fake.Filter(pl.(fw.FilterPlugin), tc.pod, h.Snap); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestScore(t *testing.T) {
	nodes := []*v1.Node{fake.Node("n1", "4", "8Gi", "zone", "z1"), fake.Node("n2", "4", "8Gi", "zone", "z2"), fake.Node("n3", "4", "8Gi", "zone", "z3")}
	existing := []*v1.Pod{fake.Pod("cache", "n1", "", "", "app", "cache"), fake.Pod("noisy", "n2", "", "", "app", "noisy")}
	p := fake.Pod("p", "", "", "")
	p.Spec.Affinity = &v1.Affinity{
		PodAffinity:     &v1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{{Weight: 5, PodAffinityTerm: term("zone", "cache")}}},
		PodAntiAffinity: &v1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{{Weight: 5, PodAffinityTerm: term("zone", "noisy")}}},
	}
	h := fake.NewHandle(existing, nodes)
	pl, _ := New(context.Background(), nil, h)
	got, err := fake.Score(pl.(fw.ScorePlugin), p, h.Snap)
	if err != nil {
		t.Fatal(err)
	}
	// Raw +5, -5, 0 mapped onto [0, 100].
	if !reflect.DeepEqual(got, []int64{100, 0, 50}) {
		t.Errorf("scores %v", got)
	}
}
