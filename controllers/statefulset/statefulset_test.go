package statefulset

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

func TestTemplatePatchRoundTrip(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1"}}}}
	raw, err := TemplatePatch(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	got, err := TemplateOf(&appsv1.ControllerRevision{Data: runtimeRaw(raw)})
	if err != nil || got.Spec.Containers[0].Image != "nginx:1" || got.Labels["app"] != "web" {
		t.Fatalf("%v %+v", err, got)
	}
	// The patch is what `kubectl rollout undo` applies: it replaces the
	// whole template.
	cur := &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Template: corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "extra": "x"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:2"}, {Name: "side", Image: "s"}}}}}}
	out := &appsv1.StatefulSet{}
	if err := applyPatch(cur, raw, out); err != nil {
		t.Fatal(err)
	}
	if len(out.Spec.Template.Spec.Containers) != 1 || out.Spec.Template.Spec.Containers[0].Image != "nginx:1" || out.Spec.Template.Labels["extra"] != "" {
		t.Errorf("undo result %+v", out.Spec.Template)
	}
	if HashRevision(raw, nil) == HashRevision(raw, ptrTo(int32(1))) {
		t.Error("collision count does not change the hash")
	}
}

func TestOrdinal(t *testing.T) {
	set := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web"}}
	for name, want := range map[string]int{"web-0": 0, "web-12": 12, "web-x": -1, "other-1": -1, "web-web-1": -1} {
		if got := ordinal(set, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}}); got != want {
			t.Errorf("ordinal(%s) = %d, want %d", name, got, want)
		}
	}
}

func TestClaimRefs(t *testing.T) {
	set := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web", UID: "set"}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-3", UID: "pod"}}
	const del, keep = appsv1.DeletePersistentVolumeClaimRetentionPolicyType, appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	for _, c := range []struct {
		deleted, scaled appsv1.PersistentVolumeClaimRetentionPolicyType
		inRange         bool
		want            []string
	}{
		{keep, keep, true, nil},
		{keep, keep, false, nil},
		{del, keep, true, []string{"set"}},
		{del, keep, false, []string{"set"}},
		{keep, del, true, nil},
		{keep, del, false, []string{"pod"}},
		{del, del, true, []string{"set"}},
		{del, del, false, []string{"pod"}},
	} {
		set.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: c.deleted, WhenScaled: c.scaled}
		refs := claimRefs(set, pod, c.inRange)
		var got []string
		for _, r := range refs {
			got = append(got, string(r.UID))
		}
		if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) {
			t.Errorf("%s/%s inRange=%v: refs %v, want %v", c.deleted, c.scaled, c.inRange, got, c.want)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }

func applyPatch(cur *appsv1.StatefulSet, patch []byte, out *appsv1.StatefulSet) error {
	b, err := jsonMarshal(cur)
	if err != nil {
		return err
	}
	res, err := strategicpatch.StrategicMergePatch(b, patch, &appsv1.StatefulSet{})
	if err != nil {
		return err
	}
	return jsonUnmarshal(res, out)
}
