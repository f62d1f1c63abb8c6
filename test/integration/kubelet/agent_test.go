package kubelet_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/kubelet/containerd"
	"github.com/skiff-k8s/skiff/test/testserver"
)

// TestAgentJoins joins a second node with `skiff token create` and
// `skiff agent` (TLS bootstrap through CSRs), runs a pod on it and
// reaches it with logs and exec through the API server.
func TestAgentJoins(t *testing.T) {
	token, errOut, err := kubectlLike(t, "token", "create", "--kubeconfig", srv.Kubeconfig)
	if err != nil {
		t.Fatalf("skiff token create: %v %s", err, errOut)
	}
	token = strings.TrimSpace(token)
	dir, err := os.MkdirTemp("", "agent-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(skiffBin, "agent", "--server", srv.URL, "--token", token,
		"--ca-cert", filepath.Join(srv.Dir, "pki", "ca.crt"), "--data-dir", dir,
		"--node-name", "agent-1", "--pod-cidr", "10.42.78.0/24", "--cni-bridge", "skiff-t1", "--kubelet-port", "0")
	logFile, err := os.Create(filepath.Join(dir, "agent.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ns := srv.Namespace(t)
	defer func() {
		// Pods first, so no container outlives the agent; then the node.
		_ = srv.Client.CoreV1().Pods(ns).Delete(context.Background(), "on-agent", metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(1))})
		testserver.Eventually(t, 30*time.Second, 200*time.Millisecond, "pod on the agent gone", func() (bool, string) {
			_, err := srv.Client.CoreV1().Pods(ns).Get(context.Background(), "on-agent", metav1.GetOptions{})
			return apierrors.IsNotFound(err), "still there"
		})
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		_ = srv.Client.CoreV1().Nodes().Delete(context.Background(), "agent-1", metav1.DeleteOptions{})
		_ = exec.Command("ip", "link", "del", "skiff-t1").Run()
		_ = containerd.RemoveMasquerade("10.42.78.0/24")
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "agent.log"))
			t.Logf("agent log:\n%s", b)
		}
	}()
	testserver.Eventually(t, 60*time.Second, 200*time.Millisecond, "node agent-1 Ready", func() (bool, string) {
		n, err := srv.Client.CoreV1().Nodes().Get(context.Background(), "agent-1", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.Status == corev1.ConditionTrue, c.Message
			}
		}
		return false, "no Ready condition"
	})
	// Its client certificate came from an approved kubelet CSR.
	csrs, err := srv.Client.CertificatesV1().CertificateSigningRequests().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var signers []string
	for _, c := range csrs.Items {
		if strings.HasPrefix(c.Spec.Username, "system:bootstrap:") || c.Spec.Username == "system:node:agent-1" {
			signers = append(signers, c.Spec.SignerName)
		}
	}
	if strings.Join(signers, ",") != "kubernetes.io/kube-apiserver-client-kubelet,kubernetes.io/kubelet-serving" &&
		strings.Join(signers, ",") != "kubernetes.io/kubelet-serving,kubernetes.io/kube-apiserver-client-kubelet" {
		t.Errorf("CSRs of the join: %v", signers)
	}
	p := pod("on-agent", "echo hello from agent; sleep 3600")
	p.Spec.NodeName = "agent-1"
	create(t, ns, p)
	waitPod(t, ns, "on-agent", "pod on the agent running", running)
	testserver.Eventually(t, 20*time.Second, 200*time.Millisecond, "logs from the agent's kubelet", func() (bool, string) {
		out, errOut, err := kubectl(t, "", "logs", "on-agent", "-n", ns)
		return err == nil && out == "hello from agent\n", out + errOut
	})
	out, errOut, err := kubectl(t, "", "exec", "on-agent", "-n", ns, "--", "hostname")
	if err != nil || out != "on-agent\n" {
		t.Errorf("exec on the agent: %q %v %s", out, err, errOut)
	}
}

// kubectlLike runs a skiff subcommand other than kubectl.
func kubectlLike(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(skiffBin, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}
