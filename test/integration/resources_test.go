package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestSecretDefaultsAndStringData(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	s, err := srv.Client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "creds"},
		StringData: map[string]string{"user": "admin"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Type != corev1.SecretTypeOpaque {
		t.Errorf("type = %q, want Opaque", s.Type)
	}
	if string(s.Data["user"]) != "admin" || s.StringData != nil {
		t.Errorf("stringData not folded into data: data=%v stringData=%v", s.Data, s.StringData)
	}
}

func TestSecretTypeRules(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	_, err := srv.Client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "pull"},
		Type:       corev1.SecretTypeDockerConfigJson,
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "data[.dockerconfigjson]")

	s, err := srv.Client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "plain"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Type = corev1.SecretTypeBasicAuth
	s.Data = map[string][]byte{"username": []byte("u")}
	_, err = srv.Client.CoreV1().Secrets(ns).Update(ctx, s, metav1.UpdateOptions{})
	assertInvalid(t, err, "type")
}

func TestSecretFieldSelectorOnType(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	for name, typ := range map[string]corev1.SecretType{"a": corev1.SecretTypeOpaque, "b": "example.com/custom"} {
		if _, err := srv.Client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, Type: typ}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := srv.Client.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{FieldSelector: "type=example.com/custom"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Name != "b" {
		t.Errorf("type=example.com/custom selected %v", names(list.Items))
	}
	_, err = srv.Client.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{FieldSelector: "data=x"})
	if err == nil || !strings.Contains(err.Error(), `field label not supported: data`) {
		t.Errorf("unsupported field selector: got %v", err)
	}
}

func names(items []corev1.Secret) []string {
	var out []string
	for _, i := range items {
		out = append(out, i.Name)
	}
	return out
}

func TestConfigMapValidation(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	_, err := srv.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "cm"},
		Data:       map[string]string{"bad key": "v"},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "data[bad key]")

	cm, err := srv.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "frozen"},
		Data:       map[string]string{"k": "v"},
		Immutable:  ptr.To(true),
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["k"] = "changed"
	_, err = srv.Client.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{})
	assertInvalid(t, err, "data")
}

func TestEventsShareStorageAcrossAPIs(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	now := metav1.NewMicroTime(time.Now())
	_, err := srv.Client.EventsV1().Events(ns).Create(ctx, &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "ev1"},
		EventTime:           now,
		ReportingController: "example.com/ctrl",
		ReportingInstance:   "ctrl-1",
		Action:              "Sync",
		Reason:              "Synced",
		Note:                "all good",
		Type:                corev1.EventTypeNormal,
		Regarding:           corev1.ObjectReference{Kind: "ConfigMap", Namespace: ns, Name: "target"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	core, err := srv.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=target,involvedObject.kind=ConfigMap"})
	if err != nil {
		t.Fatal(err)
	}
	if len(core.Items) != 1 || core.Items[0].Message != "all good" || core.Items[0].ReportingController != "example.com/ctrl" {
		t.Fatalf("core/v1 view of the event: %+v", core.Items)
	}
	v1list, err := srv.Client.EventsV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "regarding.name=target"})
	if err != nil {
		t.Fatal(err)
	}
	if len(v1list.Items) != 1 || v1list.Items[0].Note != "all good" {
		t.Fatalf("events.k8s.io/v1 view: %+v", v1list.Items)
	}
	// events.k8s.io/v1 is strict: eventTime and reportingController are required.
	_, err = srv.Client.EventsV1().Events(ns).Create(ctx, &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: "ev2"}, Reason: "R", Type: corev1.EventTypeNormal,
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "eventTime")
}

func TestCoreEventNamespaceMustMatch(t *testing.T) {
	ns := newNamespace(t)
	_, err := srv.Client.CoreV1().Events(ns).Create(context.Background(), &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "e"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "elsewhere", Name: "p"},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "involvedObject.namespace")
}

func TestLeaseValidation(t *testing.T) {
	ns := newNamespace(t)
	_, err := srv.Client.CoordinationV1().Leases(ns).Create(context.Background(), &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "l"},
		Spec:       coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr.To[int32](0)},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.leaseDurationSeconds")
}

func TestServiceAccountRoundTrip(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	if _, err := srv.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "robot"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	sa, err := srv.Client.CoreV1().ServiceAccounts(ns).Get(ctx, "robot", metav1.GetOptions{})
	if err != nil || sa.UID == "" || sa.CreationTimestamp.IsZero() {
		t.Fatalf("get: %v %+v", err, sa)
	}
}
