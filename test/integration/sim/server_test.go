package sim

import (
	"fmt"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/controllers"
	"github.com/skiff-k8s/skiff/server"
	"github.com/skiff-k8s/skiff/test/testserver"
)

// A server started with --disable-controllers and --sim-nodes runs the
// simulated nodes but no controllers, until a separate controller manager
// (here controllers.Start, as `skiff controller-manager` runs it) comes.
func TestServerWithSimNodesAndExternalControllers(t *testing.T) {
	dir, err := os.MkdirTemp("", "skiff-sim-")
	if err != nil {
		t.Fatal(err)
	}
	s, err := testserver.StartWith(server.Options{DataDir: dir, DisableControllers: true, SimNodes: 3})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 3 || list.Items[0].Name != "sim-0" {
		t.Fatalf("nodes: %d, want sim-0..sim-2", len(list.Items))
	}

	// No serviceaccount controller: default/default does not appear.
	time.Sleep(2 * time.Second)
	if _, err := s.Client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("default ServiceAccount with controllers disabled: err = %v, want NotFound", err)
	}

	cctx, cancel := contextWithCancel()
	defer cancel()
	if _, err := controllers.Start(cctx, s.Config, controllers.Options{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "default ServiceAccount made by the external controllers", func() (bool, string) {
		_, err := s.Client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	// The ReplicaSet controller creates pods; bound to a simulated node,
	// they run.
	ns := "default"
	rs := replicaSet("web", 2)
	if _, err := s.Client.AppsV1().ReplicaSets(ns).Create(ctx, rs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "2 pods created", func() (bool, string) {
		pods, err := s.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, err.Error()
		}
		for _, p := range pods.Items {
			if p.Spec.NodeName == "" {
				_ = s.Client.CoreV1().Pods(ns).Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: p.Name, UID: p.UID},
					Target: corev1.ObjectReference{Kind: "Node", Name: "sim-1"}}, metav1.CreateOptions{})
			}
		}
		return len(pods.Items) == 2, fmt.Sprintf("%d pods", len(pods.Items))
	})
	eventually(t, "ReplicaSet reports 2 ready", func() (bool, string) {
		got, err := s.Client.AppsV1().ReplicaSets(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return got.Status.ReadyReplicas == 2, "status " + got.Status.String()
	})
}
