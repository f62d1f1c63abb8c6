package scheduler

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/server"
	"github.com/skiff-k8s/skiff/test/testserver"
)

// A pod naming a scheduler no profile serves is left alone.
func TestOtherSchedulerIgnored(t *testing.T) {
	ns := namespace(t)
	addNode(t, "other-1", nodeSpec{labels: map[string]string{"test-group": "other"}})
	p := pinned(pod("mine", "", ""), "other")
	p.Spec.SchedulerName = "my-scheduler"
	create(t, ns, p)
	create(t, ns, pinned(pod("default", "", ""), "other"))
	scheduled(t, ns, "default")
	time.Sleep(time.Second)
	got, err := srv.Client.CoreV1().Pods(ns).Get(ctx, "mine", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.NodeName != "" || len(got.Status.Conditions) != 0 {
		t.Errorf("pod for my-scheduler was touched: node %q conditions %+v", got.Spec.NodeName, got.Status.Conditions)
	}
	if evs := events(t, ns, "mine"); len(evs) != 0 {
		t.Errorf("events for a pod of another scheduler: %v", evs)
	}
}

// A second server with two profiles from a KubeSchedulerConfiguration:
// the bin-packer profile scores MostAllocated, so its pods pile onto the
// fuller node while default-scheduler's spread.
func TestProfilesFromConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "scheduler.yaml")
	if err := os.WriteFile(cfg, []byte(`apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packer
  plugins:
    score:
      disabled:
      - name: NodeResourcesBalancedAllocation
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
`), 0o600); err != nil {
		t.Fatal(err)
	}
	s2, err := testserver.StartWith(server.Options{DataDir: filepath.Join(dir, "data"), SchedulerConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	main := srv
	srv = s2
	defer func() { srv = main }()
	ns := namespace(t)
	addNode(t, "bp-1", nodeSpec{cpu: "4"})
	addNode(t, "bp-2", nodeSpec{cpu: "4"})
	first := pod("seed", "1", "")
	first.Spec.NodeSelector = map[string]string{corev1.LabelHostname: "bp-1"}
	create(t, ns, first)
	scheduled(t, ns, "seed")
	for _, name := range []string{"packed-1", "packed-2"} {
		p := pod(name, "1", "")
		p.Spec.SchedulerName = "bin-packer"
		create(t, ns, p)
		if n := scheduled(t, ns, name); n != "bp-1" {
			t.Errorf("bin-packer put %s on %s, want the fuller bp-1", name, n)
		}
	}
	hasEvent(t, ns, "packed-1", "Normal Scheduled bin-packer: Successfully assigned "+ns+"/packed-1 to bp-1")
	spread := pod("spread", "1", "")
	create(t, ns, spread)
	if n := scheduled(t, ns, "spread"); n != "bp-2" {
		t.Errorf("default-scheduler put spread on %s, want the emptier bp-2", n)
	}
}

func TestBadSchedulerConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "scheduler.yaml")
	if err := os.WriteFile(cfg, []byte("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- plugins:\n    filter:\n      enabled:\n      - name: NoSuchPlugin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := testserver.StartWith(server.Options{DataDir: filepath.Join(dir, "data"), SchedulerConfig: cfg})
	if err == nil {
		t.Fatal("server started with an unknown plugin")
	}
	testserver.Contains(t, "error", err.Error(), `plugin "NoSuchPlugin" does not exist`)
}
