package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
)

func createCM(t *testing.T, ns, name string, labels map[string]string) *corev1.ConfigMap {
	t.Helper()
	cm, err := srv.Client.CoreV1().ConfigMaps(ns).Create(context.Background(), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Data:       map[string]string{"a": "1"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cm
}

func TestPatchTypes(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	createCM(t, ns, "p", nil)
	cms := srv.Client.CoreV1().ConfigMaps(ns)
	cases := []struct {
		pt    types.PatchType
		patch string
		key   string
	}{
		{types.StrategicMergePatchType, `{"data":{"smp":"1"}}`, "smp"},
		{types.MergePatchType, `{"data":{"merge":"1"}}`, "merge"},
		{types.JSONPatchType, `[{"op":"add","path":"/data/json","value":"1"}]`, "json"},
	}
	for _, c := range cases {
		got, err := cms.Patch(ctx, "p", c.pt, []byte(c.patch), metav1.PatchOptions{})
		if err != nil {
			t.Fatalf("%s: %v", c.pt, err)
		}
		if got.Data[c.key] != "1" || got.Data["a"] != "1" {
			t.Errorf("%s: data = %v", c.pt, got.Data)
		}
	}
	_, err := cms.Patch(ctx, "p", types.JSONPatchType, []byte(`[{"op":"test","path":"/data/a","value":"2"}]`), metav1.PatchOptions{})
	if err == nil {
		t.Error("failing JSON patch test op was accepted")
	}
}

func TestServerSideApplyConflicts(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	cms := srv.Client.CoreV1().ConfigMaps(ns)
	first := corev1ac.ConfigMap("ssa", ns).WithData(map[string]string{"owned": "by-a"})
	if _, err := cms.Apply(ctx, first, metav1.ApplyOptions{FieldManager: "manager-a"}); err != nil {
		t.Fatal(err)
	}
	second := corev1ac.ConfigMap("ssa", ns).WithData(map[string]string{"owned": "by-b"})
	_, err := cms.Apply(ctx, second, metav1.ApplyOptions{FieldManager: "manager-b"})
	if !apierrors.IsConflict(err) {
		t.Fatalf("want 409 Conflict, got %v", err)
	}
	if !strings.Contains(err.Error(), `conflict with "manager-a"`) || !strings.Contains(err.Error(), ".data.owned") {
		t.Errorf("conflict message = %q", err.Error())
	}
	got, err := cms.Apply(ctx, second, metav1.ApplyOptions{FieldManager: "manager-b", Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.Data["owned"] != "by-b" {
		t.Errorf("forced apply: data = %v", got.Data)
	}
	managers := map[string]bool{}
	for _, mf := range got.ManagedFields {
		managers[mf.Manager] = true
	}
	if !managers["manager-b"] {
		t.Errorf("managedFields lack manager-b: %+v", got.ManagedFields)
	}
}

func TestDryRunStoresNothing(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	cm, err := srv.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "dry"}},
		metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		t.Fatal(err)
	}
	if cm.CreationTimestamp.IsZero() {
		t.Error("dry-run response lacks server-set fields")
	}
	if _, err := srv.Client.CoreV1().ConfigMaps(ns).Get(ctx, "dry", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("dry-run object was stored: %v", err)
	}
}

func TestFieldValidation(t *testing.T) {
	ns := newNamespace(t)
	body := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fv"},"data":{"a":"b"},"bogus":1}`
	rc := srv.Client.CoreV1().RESTClient()
	// Strict rejects unknown fields with 400.
	err := rc.Post().Namespace(ns).Resource("configmaps").Param("fieldValidation", "Strict").
		Body([]byte(body)).SetHeader("Content-Type", "application/json").Do(context.Background()).Error()
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), `unknown field "bogus"`) {
		t.Fatalf("Strict: want 400 naming the field, got %v", err)
	}
	// Warn stores the object and warns.
	var warnings []string
	cfg := rest.CopyConfig(srv.Config)
	cfg.WarningHandler = warningCollector(func(msg string) { warnings = append(warnings, msg) })
	client := kubernetes.NewForConfigOrDie(cfg)
	err = client.CoreV1().RESTClient().Post().Namespace(ns).Resource("configmaps").Param("fieldValidation", "Warn").
		Body([]byte(body)).SetHeader("Content-Type", "application/json").Do(context.Background()).Error()
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) == 0 || !strings.Contains(strings.Join(warnings, ";"), `unknown field "bogus"`) {
		t.Errorf("Warn: warnings = %v", warnings)
	}
}

type warningCollector func(string)

func (w warningCollector) HandleWarningHeader(_ int, _ string, msg string) { w(msg) }

func TestListPaginationAndSelectors(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	for i := 0; i < 5; i++ {
		createCM(t, ns, fmt.Sprintf("cm-%d", i), map[string]string{"parity": []string{"even", "odd"}[i%2]})
	}
	cms := srv.Client.CoreV1().ConfigMaps(ns)
	// Only this test's objects: the namespace also holds kube-root-ca.crt.
	page, err := cms.List(ctx, metav1.ListOptions{Limit: 2, LabelSelector: "parity"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 || page.Continue == "" {
		t.Fatalf("first page: %d items, continue %q", len(page.Items), page.Continue)
	}
	seen := len(page.Items)
	for page.Continue != "" {
		page, err = cms.List(ctx, metav1.ListOptions{Limit: 2, Continue: page.Continue, LabelSelector: "parity"})
		if err != nil {
			t.Fatal(err)
		}
		seen += len(page.Items)
	}
	if seen != 5 {
		t.Errorf("pages held %d items, want 5", seen)
	}
	// Without a selector the server also says how many items remain.
	all, err := cms.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := cms.List(ctx, metav1.ListOptions{Limit: 1, ResourceVersion: all.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatchExact})
	if err != nil {
		t.Fatal(err)
	}
	if first.RemainingItemCount == nil || int(*first.RemainingItemCount) != len(all.Items)-1 {
		t.Errorf("remainingItemCount = %v, want %d", first.RemainingItemCount, len(all.Items)-1)
	}
	odd, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "parity=odd"})
	if err != nil || len(odd.Items) != 2 {
		t.Errorf("parity=odd: %v items, err %v", len(odd.Items), err)
	}
	byName, err := cms.List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=cm-3"})
	if err != nil || len(byName.Items) != 1 {
		t.Errorf("metadata.name=cm-3: %v items, err %v", len(byName.Items), err)
	}
}

func TestWatchDeliversEventsAndBookmarks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ns := newNamespace(t)
	createCM(t, ns, "before", nil)
	// A watch-list stream: initial state, then a bookmark marking its end.
	w, err := srv.Client.CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{
		SendInitialEvents:    ptr.To(true),
		ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan,
		AllowWatchBookmarks:  true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var gotInitial, gotBookmark, gotAdded bool
	for ev := range w.ResultChan() {
		switch ev.Type {
		case watch.Added:
			name := ev.Object.(*corev1.ConfigMap).Name
			if name == "before" {
				gotInitial = true
			}
			if name == "after" {
				gotAdded = true
			}
		case watch.Bookmark:
			cm := ev.Object.(*corev1.ConfigMap)
			if cm.Annotations[metav1.InitialEventsAnnotationKey] == "true" {
				gotBookmark = true
				createCM(t, ns, "after", nil)
			}
		}
		if gotAdded {
			break
		}
	}
	if !gotInitial || !gotBookmark || !gotAdded {
		t.Errorf("initial=%v bookmark=%v added=%v", gotInitial, gotBookmark, gotAdded)
	}
}
