package pods

import (
	"context"
	"strings"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDiscovery(t *testing.T) {
	list, err := srv.Client.Discovery().ServerResourcesForGroupVersion("v1")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]metav1.APIResource{}
	for _, r := range list.APIResources {
		byName[r.Name] = r
	}
	want := map[string]struct{ short, cats, verbs, kind string }{
		"pods":                          {"po", "all", "create,delete,deletecollection,get,list,patch,update,watch", "Pod"},
		"pods/status":                   {"", "", "get,patch,update", "Pod"},
		"pods/binding":                  {"", "", "create", "Binding"},
		"pods/eviction":                 {"", "", "create", "Eviction"},
		"pods/ephemeralcontainers":      {"", "", "get,patch,update", "Pod"},
		"pods/resize":                   {"", "", "get,patch,update", "Pod"},
		"pods/log":                      {"", "", "get", "Pod"},
		"pods/exec":                     {"", "", "create,get", "PodExecOptions"},
		"pods/attach":                   {"", "", "create,get", "PodAttachOptions"},
		"pods/portforward":              {"", "", "create,get", "PodPortForwardOptions"},
		"pods/proxy":                    {"", "", "create,delete,get,patch,update", "PodProxyOptions"},
		"nodes/proxy":                   {"", "", "create,delete,get,patch,update", "NodeProxyOptions"},
		"bindings":                      {"", "", "create", "Binding"},
		"podtemplates":                  {"", "", "create,delete,deletecollection,get,list,patch,update,watch", "PodTemplate"},
		"replicationcontrollers":        {"rc", "all", "create,delete,deletecollection,get,list,patch,update,watch", "ReplicationController"},
		"replicationcontrollers/status": {"", "", "get,patch,update", "ReplicationController"},
		"replicationcontrollers/scale":  {"", "", "get,patch,update", "Scale"},
	}
	for name, w := range want {
		r, ok := byName[name]
		if !ok {
			t.Errorf("discovery lacks %s", name)
			continue
		}
		verbs := append([]string(nil), r.Verbs...)
		sortStrings(verbs)
		if got := strings.Join(verbs, ","); got != w.verbs {
			t.Errorf("%s verbs %s, want %s", name, got, w.verbs)
		}
		if got := strings.Join(r.ShortNames, ","); got != w.short {
			t.Errorf("%s short names %q", name, got)
		}
		if got := strings.Join(r.Categories, ","); got != w.cats {
			t.Errorf("%s categories %q", name, got)
		}
		if r.Kind != w.kind {
			t.Errorf("%s kind %s, want %s", name, r.Kind, w.kind)
		}
	}
	if g := byName["pods/eviction"].Group; g != "policy" {
		t.Errorf("pods/eviction group %q", g)
	}
	if g := byName["replicationcontrollers/scale"].Group; g != "autoscaling" {
		t.Errorf("replicationcontrollers/scale group %q", g)
	}
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

func TestPodTemplates(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	pts := srv.Client.CoreV1().PodTemplates(ns)
	pt, err := pts.Create(ctx, &corev1.PodTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: "tmpl"},
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{
				{Name: "web", Image: "nginx"}, {Name: "side", Image: "busybox:1.36"},
			}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := pt.Template.Spec
	if s.RestartPolicy != corev1.RestartPolicyAlways || s.DNSPolicy != corev1.DNSClusterFirst || *s.TerminationGracePeriodSeconds != 30 ||
		s.Containers[0].ImagePullPolicy != corev1.PullAlways || s.Containers[1].ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("template defaults: %+v", s)
	}
	if s.EnableServiceLinks != nil {
		t.Errorf("enableServiceLinks is a Pod-only default, got %v", *s.EnableServiceLinks)
	}
	if pt.Generation != 1 {
		t.Errorf("generation %d", pt.Generation)
	}
	tbl := getTable(t, "/api/v1/namespaces/"+ns+"/podtemplates")
	cols, _ := columnNames(tbl)
	if strings.Join(cols, ",") != "Name,Containers,Images,Pod Labels" {
		t.Errorf("columns %v", cols)
	}
	if c := tbl.Rows[0].Cells; c[1] != "web,side" || c[2] != "nginx,busybox:1.36" || c[3] != "app=web" {
		t.Errorf("row %v", c)
	}

	bad := pt.DeepCopy()
	bad.ResourceVersion = ""
	bad.Name = "bad"
	bad.Template.Spec.Containers[1].Image = ""
	bad.Template.Labels = map[string]string{"a b": "c"}
	_, err = pts.Create(ctx, bad, metav1.CreateOptions{})
	assertInvalid(t, err, "template.spec.containers[1].image", "Required value")
	assertInvalid(t, err, "template.labels", "")
}

func rcFixture(name string) *corev1.ReplicationController {
	return &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ReplicationControllerSpec{
			Template: &corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1.27"}}},
			},
		},
	}
}

func TestReplicationControllers(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	rcs := srv.Client.CoreV1().ReplicationControllers(ns)
	rc, err := rcs.Create(ctx, rcFixture("web"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Spec.Replicas == nil || *rc.Spec.Replicas != 1 {
		t.Errorf("replicas %v", rc.Spec.Replicas)
	}
	if rc.Spec.Selector["app"] != "web" || rc.Labels["app"] != "web" {
		t.Errorf("selector %v labels %v", rc.Spec.Selector, rc.Labels)
	}
	if rc.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways || rc.Spec.Template.Spec.Containers[0].ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("template defaults: %+v", rc.Spec.Template.Spec)
	}

	// status through /status only
	rc.Status.Replicas = 3
	rc.Spec.Replicas = &[]int32{2}[0]
	up, err := rcs.Update(ctx, rc, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if up.Status.Replicas != 0 || *up.Spec.Replicas != 2 || up.Generation != 2 {
		t.Errorf("update: status %d replicas %d generation %d", up.Status.Replicas, *up.Spec.Replicas, up.Generation)
	}
	up.Status.Replicas, up.Status.ReadyReplicas = 2, 1
	st, err := rcs.UpdateStatus(ctx, up, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Status.Replicas != 2 {
		t.Errorf("status update: %+v", st.Status)
	}
	st.Status.ReadyReplicas = 5
	_, err = rcs.UpdateStatus(ctx, st, metav1.UpdateOptions{})
	assertInvalid(t, err, "status.readyReplicas", "cannot be greater than status.replicas")

	// scale
	sc, err := rcs.GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Spec.Replicas != 2 || sc.Status.Replicas != 2 || sc.Status.Selector != "app=web" {
		t.Errorf("scale: %+v", sc)
	}
	sc.Spec.Replicas = 5
	if _, err := rcs.UpdateScale(ctx, "web", &autoscalingv1.Scale{ObjectMeta: sc.ObjectMeta, Spec: sc.Spec}, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _ := rcs.Get(ctx, "web", metav1.GetOptions{})
	if *got.Spec.Replicas != 5 {
		t.Errorf("after scale: replicas %d", *got.Spec.Replicas)
	}

	// field selector and table
	list, err := rcs.List(ctx, metav1.ListOptions{FieldSelector: "status.replicas=2"})
	if err != nil || len(list.Items) != 1 {
		t.Errorf("status.replicas selector: %v %v", list, err)
	}
	tbl := getTable(t, "/api/v1/namespaces/"+ns+"/replicationcontrollers")
	cols, wide := columnNames(tbl)
	if strings.Join(cols, ",") != "Name,Desired,Current,Ready,Age" || strings.Join(wide, ",") != "Containers,Images,Selector" {
		t.Errorf("columns %v wide %v", cols, wide)
	}
	c := tbl.Rows[0].Cells
	if c[0] != "web" || c[1] != float64(5) || c[2] != float64(2) || c[3] != float64(1) || c[5] != "c" || c[6] != "nginx:1.27" || c[7] != "app=web" {
		t.Errorf("row %v", c)
	}
}

func TestReplicationControllerValidation(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	rcs := srv.Client.CoreV1().ReplicationControllers(ns)
	cases := []struct {
		name   string
		mutate func(*corev1.ReplicationController)
		field  string
		msg    string
	}{
		{"selector mismatch", func(rc *corev1.ReplicationController) { rc.Spec.Selector = map[string]string{"app": "other"} },
			"spec.template.metadata.labels", "`selector` does not match template `labels`"},
		{"restart policy", func(rc *corev1.ReplicationController) {
			rc.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
		},
			"spec.template.spec.restartPolicy", `supported values: "Always"`},
		{"negative replicas", func(rc *corev1.ReplicationController) { rc.Spec.Replicas = &[]int32{-1}[0] },
			"spec.replicas", "must be greater than or equal to 0"},
		{"no template", func(rc *corev1.ReplicationController) {
			rc.Spec.Template = nil
			rc.Spec.Selector = map[string]string{"a": "b"}
		}, "spec.template", "Required value"},
		{"no selector", func(rc *corev1.ReplicationController) { rc.Spec.Template.Labels = nil },
			"spec.selector", "Required value"},
		{"container", func(rc *corev1.ReplicationController) { rc.Spec.Template.Spec.Containers[0].Name = "" },
			"spec.template.spec.containers[0].name", "Required value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := rcFixture("v")
			tc.mutate(rc)
			_, err := rcs.Create(ctx, rc, metav1.CreateOptions{})
			assertInvalid(t, err, tc.field, tc.msg)
		})
	}
}
