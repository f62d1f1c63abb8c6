package integration

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/storage/storagebackend"

	"github.com/skiff-k8s/skiff/etcd"
	"github.com/skiff-k8s/skiff/server"
	"github.com/skiff-k8s/skiff/test/testserver"
)

// TestExternalEtcd points a server at an etcd it did not start, as
// --etcd-servers does, with a custom key prefix.
func TestExternalEtcd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an extra etcd and server")
	}
	ctx := context.Background()
	dir := t.TempDir()
	member, err := etcd.Start(ctx, etcd.Options{Dir: filepath.Join(dir, "external-etcd")})
	if err != nil {
		t.Fatal(err)
	}
	defer member.Close()
	s, err := testserver.StartWith(server.Options{
		DataDir:      filepath.Join(dir, "server"),
		ExternalEtcd: storagebackend.TransportConfig{ServerList: []string{member.Endpoint}},
		EtcdPrefix:   "/skiff-a",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if _, err := s.Client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "ext"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	client, err := clientv3.New(clientv3.Config{Endpoints: []string{member.Endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	resp, err := client.Get(ctx, "/skiff-a/configmaps/default/ext")
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("object not in the external etcd: %v %v", err, resp)
	}
	if _, err := os.Stat(filepath.Join(dir, "server", "etcd")); !os.IsNotExist(err) {
		t.Errorf("an embedded etcd was started too: %v", err)
	}
}
