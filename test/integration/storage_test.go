package integration

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/test/testserver"
)

func TestObjectsAreStoredAsProtobufUnderKubeKeys(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	createCM(t, ns, "stored", nil)
	etcd, err := clientv3.New(clientv3.Config{Endpoints: srv.Etcd.ServerList, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer etcd.Close()
	resp, err := etcd.Get(ctx, "/registry/configmaps/"+ns+"/stored")
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("etcd get: %v (%d keys)", err, len(resp.Kvs))
	}
	if !bytes.HasPrefix(resp.Kvs[0].Value, []byte("k8s\x00")) {
		t.Errorf("stored value is not kube protobuf: %q", resp.Kvs[0].Value[:16])
	}
	if bytes.Contains(resp.Kvs[0].Value, []byte("__internal")) {
		t.Error("internal version leaked into etcd")
	}
}

func TestSelfSubjectReviews(t *testing.T) {
	ctx := context.Background()
	sar, err := srv.Client.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "create", Resource: "configmaps", Namespace: "default"}},
	}, metav1.CreateOptions{})
	if err != nil || !sar.Status.Allowed {
		t.Fatalf("SSAR: %v %+v", err, sar)
	}
	_, err = srv.Client.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{}, metav1.CreateOptions{})
	assertInvalid(t, err, "spec")
	ssrr, err := srv.Client.AuthorizationV1().SelfSubjectRulesReviews().Create(ctx, &authorizationv1.SelfSubjectRulesReview{
		Spec: authorizationv1.SelfSubjectRulesReviewSpec{Namespace: "default"},
	}, metav1.CreateOptions{})
	if err != nil || len(ssrr.Status.ResourceRules) == 0 {
		t.Fatalf("SSRR: %v %+v", err, ssrr)
	}
}

// TestRestartKeepsDataAndCertificates runs a second server, stops it and
// starts it again on the same data directory.
func TestRestartKeepsDataAndCertificates(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two extra servers")
	}
	first, err := testserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	dir := first.Dir
	defer os.RemoveAll(dir)
	ctx := context.Background()
	if _, err := first.Client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "survivor"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ca, _ := os.ReadFile(filepath.Join(dir, "pki", "ca.crt"))
	first.Stop()

	second, err := testserver.StartIn(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Stop()
	if _, err := second.Client.CoreV1().ConfigMaps("default").Get(ctx, "survivor", metav1.GetOptions{}); err != nil {
		t.Errorf("object lost across restart: %v", err)
	}
	ca2, _ := os.ReadFile(filepath.Join(dir, "pki", "ca.crt"))
	if !bytes.Equal(ca, ca2) || len(ca) == 0 {
		t.Error("CA was regenerated on restart")
	}
}
