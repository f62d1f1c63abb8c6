// Package helm installs, upgrades, rolls back and uninstalls a chart with
// Helm 3 (helm.sh/helm/v3, default Secret storage driver) against a real
// skiff server.
package helm

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/cli"
	"helm.sh/helm/v3/pkg/release"

	"github.com/skiff-k8s/skiff/test/testserver"
)

var srv *testserver.Server

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("helm suite not run in -short mode (make test runs it)")
		os.Exit(0)
	}
	testserver.Main(m, &srv)
}

const chartYAML = `apiVersion: v2
name: settings
version: 0.1.0
`

const configMapTemplate = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
  labels:
    app.kubernetes.io/managed-by: {{ .Release.Service }}
data:
  color: {{ .Values.color | quote }}
`

const secretTemplate = `apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-token
type: Opaque
stringData:
  token: {{ .Values.token | quote }}
`

func writeChart(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "settings")
	files := map[string]string{
		"Chart.yaml":            chartYAML,
		"values.yaml":           "color: blue\ntoken: t0k3n\n",
		"templates/config.yaml": configMapTemplate,
		"templates/secret.yaml": secretTemplate,
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestInstallUpgradeRollbackUninstall(t *testing.T) {
	ctx := context.Background()
	ns := "helm-e2e"
	if _, err := srv.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	chart, err := loader.Load(writeChart(t))
	if err != nil {
		t.Fatal(err)
	}
	settings := cli.New()
	settings.KubeConfig = srv.Kubeconfig
	settings.SetNamespace(ns)
	cfg := new(action.Configuration)
	if err := cfg.Init(settings.RESTClientGetter(), ns, "secret", t.Logf); err != nil {
		t.Fatal(err)
	}
	color := func() string {
		t.Helper()
		cm, err := srv.Client.CoreV1().ConfigMaps(ns).Get(ctx, "demo-settings", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return cm.Data["color"]
	}

	install := action.NewInstall(cfg)
	install.ReleaseName, install.Namespace = "demo", ns
	rel, err := install.Run(chart, nil)
	if err != nil {
		t.Fatalf("install: %v", err)
	}
	if rel.Info.Status != release.StatusDeployed || rel.Version != 1 || color() != "blue" {
		t.Fatalf("after install: status %s version %d color %s", rel.Info.Status, rel.Version, color())
	}
	tok, err := srv.Client.CoreV1().Secrets(ns).Get(ctx, "demo-token", metav1.GetOptions{})
	if err != nil || string(tok.Data["token"]) != "t0k3n" {
		t.Fatalf("chart secret: %v %v", err, tok)
	}
	records, err := srv.Client.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: "owner=helm,name=demo"})
	if err != nil || len(records.Items) != 1 || records.Items[0].Type != "helm.sh/release.v1" {
		t.Fatalf("release records: %v %+v", err, records)
	}

	rel, err = action.NewUpgrade(cfg).Run("demo", chart, map[string]interface{}{"color": "green"})
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if rel.Version != 2 || color() != "green" {
		t.Fatalf("after upgrade: version %d color %s", rel.Version, color())
	}

	rollback := action.NewRollback(cfg)
	rollback.Version = 1
	if err := rollback.Run("demo"); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if color() != "blue" {
		t.Fatalf("after rollback: color %s", color())
	}
	history, err := action.NewHistory(cfg).Run("demo")
	if err != nil || len(history) != 3 {
		t.Fatalf("history: %v, %d revisions", err, len(history))
	}
	if last := history[len(history)-1]; last.Version != 3 || last.Info.Status != release.StatusDeployed {
		t.Errorf("latest revision %d is %s", last.Version, last.Info.Status)
	}

	if _, err := action.NewUninstall(cfg).Run("demo"); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	if _, err := srv.Client.CoreV1().ConfigMaps(ns).Get(ctx, "demo-settings", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("configmap survived uninstall: %v", err)
	}
	if _, err := srv.Client.CoreV1().Secrets(ns).Get(ctx, "demo-token", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("secret survived uninstall: %v", err)
	}
	records, err = srv.Client.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: "owner=helm,name=demo"})
	if err != nil || len(records.Items) != 0 {
		t.Errorf("release records after uninstall: %v %d", err, len(records.Items))
	}
}
