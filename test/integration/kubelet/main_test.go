// Package kubelet_test runs real pods in real containers: a skiff server
// with its kubelet and a private containerd, images built in Go and
// pulled by containerd from a registry on loopback. The machine needs
// containerd, runc and the CNI plugins (CI installs them with apt-get).
package kubelet_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/kubelet/containerd"
	"github.com/skiff-k8s/skiff/kubelet/images"
	"github.com/skiff-k8s/skiff/server"
	testimages "github.com/skiff-k8s/skiff/test/images"
	"github.com/skiff-k8s/skiff/test/testserver"
)

var (
	srv *testserver.Server
	// busybox is the test image's reference in the loopback registry.
	busybox string
	// skiffBin runs kubectl as a user would.
	skiffBin string
)

const (
	podCIDR  = "10.42.77.0/24"
	nodeName = "skiff-test-node"
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		fmt.Println("kubelet suite: needs containerd and real containers; not run with -short")
		return 0
	}
	if err := containerd.Available(); err != nil {
		fmt.Fprintln(os.Stderr, "kubelet suite needs containerd, runc and the CNI plugins (apt-get install containerd runc containernetworking-plugins):", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg, err := images.StartRegistry(ctx, "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	img, err := testimages.Busybox()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if busybox, err = reg.Push("test/busybox:1", img); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "skiff-kubelet-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if skiffBin, err = testserver.Binary(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv, err = testserver.StartWith(serverOptions(dir))
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting skiff:", err)
		return 1
	}
	code := m.Run()
	cleanup()
	srv.Stop()
	// The node's bridge and masquerade rule outlive it, as a node's do.
	_ = exec.Command("ip", "link", "del", "skiff-t0").Run()
	_ = containerd.RemoveMasquerade(podCIDR)
	return code
}

func serverOptions(dir string) server.Options {
	return server.Options{
		DataDir: dir,
		Kubelet: &server.KubeletOptions{NodeName: nodeName, PodCIDR: podCIDR, BridgeName: "skiff-t0"},
	}
}

// cleanup deletes every pod left and waits for the kubelet to stop their
// containers, so no container outlives the suite.
func cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nss, err := srv.Client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return
	}
	for _, ns := range nss.Items {
		_ = srv.Client.CoreV1().Pods(ns.Name).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(1))}, metav1.ListOptions{})
	}
	for ctx.Err() == nil {
		pods, err := srv.Client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + nodeName})
		if err != nil || len(pods.Items) == 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func ptr[T any](v T) *T { return &v }
