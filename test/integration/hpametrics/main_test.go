// Package hpametrics tests the HorizontalPodAutoscaler controller scaling
// on metrics, against a real in-process skiff with a fake node. skiff
// ships no metrics-server, so the tests serve metrics.k8s.io and one
// external.metrics.k8s.io metric as CustomResourceDefinitions: the
// controller reads them through the same clients and paths as it would
// read metrics-server or an external metrics adapter.
package hpametrics

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/skiff-k8s/skiff/test/fakenode"
	"github.com/skiff-k8s/skiff/test/testserver"
)

var (
	srv *testserver.Server
	ctx = context.Background()
)

func TestMain(m *testing.M) {
	var err error
	code := 0
	func() {
		if srv, err = testserver.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
			return
		}
		defer srv.Close()
		nctx, cancel := context.WithCancel(ctx)
		defer cancel()
		if _, err = fakenode.Start(nctx, srv.Client, "fake-node-1"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
			return
		}
		for _, crd := range []*apiextensionsv1.CustomResourceDefinition{
			metricsCRD("metrics.k8s.io", "pods", "PodMetrics"),
			metricsCRD("external.metrics.k8s.io", "queue-length", "ExternalMetricValue"),
		} {
			if err = establish(crd); err != nil {
				fmt.Fprintln(os.Stderr, err)
				code = 1
				return
			}
		}
		code = m.Run()
	}()
	os.Exit(code)
}

// metricsCRD serves plural in group/v1beta1 with any content.
func metricsCRD(group, plural, kind string) *apiextensionsv1.CustomResourceDefinition {
	preserve := true
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: plural + "." + group,
			Annotations: map[string]string{"api-approved.kubernetes.io": "unapproved, test stand-in for a metrics API"}},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: group,
			Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: plural, Kind: kind, ListKind: kind + "List", Singular: strings.ToLower(kind)},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1beta1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object", XPreserveUnknownFields: &preserve,
				}},
			}},
		},
	}
}

func establish(crd *apiextensionsv1.CustomResourceDefinition) error {
	ext := apiextensionsclient.NewForConfigOrDie(srv.Config)
	if _, err := ext.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := ext.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, crd.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range got.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
}

// eventually polls cond until it holds, failing the test after 90s (an
// HPA is resynced every 15s) with the last message cond returned.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	testserver.Eventually(t, 90*time.Second, 200*time.Millisecond, what, cond)
}
