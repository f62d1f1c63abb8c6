// Package servicerepair checks that a restarted server repairs the
// ClusterIP and NodePort allocations of the Services it finds, as
// kube-apiserver's repair controllers do.
package servicerepair

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/skiff-k8s/skiff/registry/core/service/ipallocator"
	"github.com/skiff-k8s/skiff/test/testserver"
)

func service(name string, typ corev1.ServiceType, nodePort int32) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{
			Type:     typ,
			Selector: map[string]string{"app": name},
			Ports:    []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080), NodePort: nodePort}},
		},
	}
}

// TestRepairAtStart deletes the IPAddress of a Service's ClusterIP and the
// NodePort bitmap behind the server's back and leaks an IPAddress; after a
// restart on the same data directory the IPAddress is back, the leaked one
// is gone and the Service's node port is allocated again.
func TestRepairAtStart(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a server")
	}
	// Leaked IPAddresses are deleted once older than the grace period.
	old := ipallocator.LeakGracePeriod
	ipallocator.LeakGracePeriod = 0
	defer func() { ipallocator.LeakGracePeriod = old }()

	dir, err := os.MkdirTemp("", "skiff-repair-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	srv, err := testserver.StartIn(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ns := "repair"
	if _, err := srv.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		srv.Stop()
		t.Fatal(err)
	}
	web, err := srv.Client.CoreV1().Services(ns).Create(ctx, service("web", corev1.ServiceTypeClusterIP, 0), metav1.CreateOptions{})
	if err != nil {
		srv.Stop()
		t.Fatal(err)
	}
	np, err := srv.Client.CoreV1().Services(ns).Create(ctx, service("np", corev1.ServiceTypeNodePort, 0), metav1.CreateOptions{})
	if err != nil {
		srv.Stop()
		t.Fatal(err)
	}
	nodePort := np.Spec.Ports[0].NodePort
	ip := web.Spec.ClusterIP

	// Behind the allocator's back: the IPAddress of web's ClusterIP is
	// deleted, one for a Service that does not exist is created, and the
	// NodePort bitmap is dropped from etcd.
	if err := srv.Client.NetworkingV1().IPAddresses().Delete(ctx, ip, metav1.DeleteOptions{}); err != nil {
		srv.Stop()
		t.Fatal(err)
	}
	leaked := "10.96.250.250"
	if _, err := srv.Client.NetworkingV1().IPAddresses().Create(ctx, &networkingv1.IPAddress{
		ObjectMeta: metav1.ObjectMeta{Name: leaked, Labels: map[string]string{
			networkingv1.LabelIPAddressFamily: "IPv4",
			networkingv1.LabelManagedBy:       ipallocator.ManagedBy,
		}},
		Spec: networkingv1.IPAddressSpec{ParentRef: &networkingv1.ParentReference{Resource: "services", Namespace: ns, Name: "gone"}},
	}, metav1.CreateOptions{}); err != nil {
		srv.Stop()
		t.Fatal(err)
	}
	// An IPAddress another controller manages is left alone.
	foreign := "10.96.250.251"
	if _, err := srv.Client.NetworkingV1().IPAddresses().Create(ctx, &networkingv1.IPAddress{
		ObjectMeta: metav1.ObjectMeta{Name: foreign, Labels: map[string]string{networkingv1.LabelManagedBy: "someone-else"}},
		Spec:       networkingv1.IPAddressSpec{ParentRef: &networkingv1.ParentReference{Resource: "services", Namespace: ns, Name: "gone"}},
	}, metav1.CreateOptions{}); err != nil {
		srv.Stop()
		t.Fatal(err)
	}
	if err := deleteEtcdKey(ctx, srv.Etcd.ServerList, "/registry/ranges/servicenodeports"); err != nil {
		srv.Stop()
		t.Fatal(err)
	}
	srv.Stop()

	srv, err = testserver.StartIn(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()

	// The server is ready only after the first repair pass.
	got, err := srv.Client.NetworkingV1().IPAddresses().Get(ctx, ip, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("IPAddress %s of Service %s/web not recreated: %v", ip, ns, err)
	}
	if ref := got.Spec.ParentRef; ref == nil || ref.Resource != "services" || ref.Namespace != ns || ref.Name != "web" {
		t.Errorf("recreated IPAddress parentRef = %+v, want services %s/web", got.Spec.ParentRef, ns)
	}
	if got.Labels[networkingv1.LabelManagedBy] != ipallocator.ManagedBy || got.Labels[networkingv1.LabelIPAddressFamily] != "IPv4" {
		t.Errorf("recreated IPAddress labels = %v", got.Labels)
	}
	if _, err := srv.Client.NetworkingV1().IPAddresses().Get(ctx, leaked, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("leaked IPAddress %s: want NotFound, got %v", leaked, err)
	}
	if _, err := srv.Client.NetworkingV1().IPAddresses().Get(ctx, foreign, metav1.GetOptions{}); err != nil {
		t.Errorf("IPAddress %s managed by another controller: %v", foreign, err)
	}

	// The node port is allocated again: asking for it is refused.
	_, err = srv.Client.CoreV1().Services(ns).Create(ctx, service("np2", corev1.ServiceTypeNodePort, nodePort), metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "provided port is already allocated") {
		t.Errorf("Service asking for node port %d of np: want 422 provided port is already allocated, got %v", nodePort, err)
	}
	// A Service asking for web's ClusterIP is refused as well.
	dup := service("dup", corev1.ServiceTypeClusterIP, 0)
	dup.Spec.ClusterIP = ip
	_, err = srv.Client.CoreV1().Services(ns).Create(ctx, dup, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "provided IP is already allocated") {
		t.Errorf("Service asking for ClusterIP %s of web: want 422 provided IP is already allocated, got %v", ip, err)
	}

	// The repair reports what it did as upstream: a Warning event on the
	// Service.
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		evs, err := srv.Client.EventsV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range evs.Items {
			if e.Regarding.Name == "web" && e.Reason == "ClusterIPNotAllocated" && e.Type == corev1.EventTypeWarning &&
				e.ReportingController == ipallocator.RepairControllerName && e.Note == "Cluster IP [IPv4]: "+ip+" is not allocated; repairing" {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Errorf("no ClusterIPNotAllocated event for Service web: %v", err)
	}
}

func deleteEtcdKey(ctx context.Context, endpoints []string, key string) error {
	c, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	defer c.Close()
	resp, err := c.Delete(ctx, key)
	if err != nil {
		return err
	}
	if resp.Deleted != 1 {
		return &keyError{key}
	}
	return nil
}

type keyError struct{ key string }

func (e *keyError) Error() string { return "etcd key " + e.key + " not found" }
