package controllers

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
)

func gone(t *testing.T, what string, get func() error) {
	t.Helper()
	eventually(t, what+" deleted", func() (bool, string) {
		err := get()
		if apierrors.IsNotFound(err) {
			return true, ""
		}
		return false, fmt.Sprintf("still there (%v)", err)
	})
}

func replicaSet(name string, replicas int32) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels(name)},
			Template: podTemplate(name, "nginx"),
		},
	}
}

func TestCascadingDeleteBackground(t *testing.T) {
	ns := newNamespace(t)
	if _, err := srv.Client.AppsV1().Deployments(ns).Create(ctx, newDeployment("bg", 2, "nginx"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	d := waitComplete(t, ns, "bg")
	rs := ownedReplicaSets(t, ns, d)[0]
	contains(t, "delete", ok(t, "-n", ns, "delete", "deployment", "bg"), `deployment.apps "bg" deleted`)
	gone(t, "replica set", func() error {
		_, err := srv.Client.AppsV1().ReplicaSets(ns).Get(ctx, rs.Name, metav1.GetOptions{})
		return err
	})
	eventually(t, "pods deleted", func() (bool, string) {
		n := len(listPods(t, ns, "app=bg"))
		return n == 0, fmt.Sprintf("%d pods", n)
	})
}

func TestCascadingDeleteForeground(t *testing.T) {
	ns := newNamespace(t)
	rs, err := srv.Client.AppsV1().ReplicaSets(ns).Create(ctx, replicaSet("fg", 2), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitRSStatus(t, ns, "fg", appsv1.ReplicaSetStatus{Replicas: 2, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2})
	// A dependent holding a finalizer keeps the owner around, as
	// blockOwnerDeletion promises.
	held, err := srv.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Name: "held", Finalizers: []string{"example.com/hold"},
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "fg", UID: rs.UID, BlockOwnerDeletion: ptr(true)}},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	contains(t, "delete", ok(t, "-n", ns, "delete", "rs", "fg", "--cascade=foreground", "--wait=false"), `replicaset.apps "fg" deleted`)
	eventually(t, "pods deleted first", func() (bool, string) {
		n := len(listPods(t, ns, "app=fg"))
		return n == 0, fmt.Sprintf("%d pods", n)
	})
	eventually(t, "held dependent being deleted", func() (bool, string) {
		cm, err := srv.Client.CoreV1().ConfigMaps(ns).Get(ctx, "held", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return cm.DeletionTimestamp != nil, "no deletionTimestamp"
	})
	got, err := srv.Client.AppsV1().ReplicaSets(ns).Get(ctx, "fg", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("owner gone while a blocking dependent remains: %v", err)
	}
	if got.DeletionTimestamp == nil || len(got.Finalizers) != 1 || got.Finalizers[0] != "foregroundDeletion" {
		t.Errorf("owner metadata: deletionTimestamp %v finalizers %v", got.DeletionTimestamp, got.Finalizers)
	}
	// Release the dependent: the owner goes.
	if _, err := srv.Client.CoreV1().ConfigMaps(ns).Patch(ctx, held.Name, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	gone(t, "owner", func() error {
		_, err := srv.Client.AppsV1().ReplicaSets(ns).Get(ctx, "fg", metav1.GetOptions{})
		return err
	})
}

func TestCascadingDeleteOrphan(t *testing.T) {
	ns := newNamespace(t)
	if _, err := srv.Client.AppsV1().ReplicaSets(ns).Create(ctx, replicaSet("or", 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRSStatus(t, ns, "or", appsv1.ReplicaSetStatus{Replicas: 2, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2})
	contains(t, "delete", ok(t, "-n", ns, "delete", "rs", "or", "--cascade=orphan"), `replicaset.apps "or" deleted`)
	gone(t, "replica set", func() error {
		_, err := srv.Client.AppsV1().ReplicaSets(ns).Get(ctx, "or", metav1.GetOptions{})
		return err
	})
	pods := listPods(t, ns, "app=or")
	if len(pods) != 2 {
		t.Fatalf("%d pods left, want the 2 orphans", len(pods))
	}
	for _, p := range pods {
		if len(p.OwnerReferences) != 0 || p.DeletionTimestamp != nil {
			t.Errorf("pod %s: ownerReferences %v deletionTimestamp %v", p.Name, p.OwnerReferences, p.DeletionTimestamp)
		}
	}
	// A new replica set adopts the orphans instead of creating pods.
	rs, err := srv.Client.AppsV1().ReplicaSets(ns).Create(ctx, replicaSet("or", 2), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitRSStatus(t, ns, "or", appsv1.ReplicaSetStatus{Replicas: 2, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2})
	for _, p := range listPods(t, ns, "app=or") {
		if ref := metav1.GetControllerOf(&p); ref == nil || ref.UID != rs.UID {
			t.Errorf("pod %s not adopted: %v", p.Name, p.OwnerReferences)
		}
	}
}

func TestGarbageCollectionKeepsLiveOwners(t *testing.T) {
	ns := newNamespace(t)
	cms := srv.Client.CoreV1().ConfigMaps(ns)
	a, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner-a"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner-b"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	refA := metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: a.Name, UID: a.UID}
	refB := metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: b.Name, UID: b.UID}
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "shared", OwnerReferences: []metav1.OwnerReference{refA, refB}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "only-a", OwnerReferences: []metav1.OwnerReference{refA}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A dependent whose owner never existed is collected too.
	ghost := metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "ghost", UID: "00000000-0000-0000-0000-000000000001"}
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "of-ghost", OwnerReferences: []metav1.OwnerReference{ghost}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cms.Delete(ctx, a.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	gone(t, "only-a", func() error { _, err := cms.Get(ctx, "only-a", metav1.GetOptions{}); return err })
	gone(t, "of-ghost", func() error { _, err := cms.Get(ctx, "of-ghost", metav1.GetOptions{}); return err })
	eventually(t, "shared keeps owner-b only", func() (bool, string) {
		cm, err := cms.Get(ctx, "shared", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return len(cm.OwnerReferences) == 1 && cm.OwnerReferences[0].UID == b.UID, fmt.Sprintf("%v", cm.OwnerReferences)
	})
}

func TestGarbageCollectionCustomResources(t *testing.T) {
	ns := newNamespace(t)
	ext := apiextensionsclient.NewForConfigOrDie(srv.Config)
	crd := &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "widgets.gc.example.com"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "gc.example.com",
			Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "widgets", Singular: "widget", Kind: "Widget"},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr(true)}},
			}},
		},
	}
	if _, err := ext.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, crd, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = ext.ApiextensionsV1().CustomResourceDefinitions().Delete(ctx, crd.Name, metav1.DeleteOptions{})
	})
	dyn := dynamic.NewForConfigOrDie(srv.Config)
	widgets := dyn.Resource(schema.GroupVersionResource{Group: "gc.example.com", Version: "v1", Resource: "widgets"}).Namespace(ns)
	var owner *unstructured.Unstructured
	eventually(t, "CRD served", func() (bool, string) {
		var err error
		owner, err = widgets.Create(ctx, &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": "gc.example.com/v1", "kind": "Widget", "metadata": map[string]interface{}{"name": "owner"},
		}}, metav1.CreateOptions{})
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	ownerRef := metav1.OwnerReference{APIVersion: "gc.example.com/v1", Kind: "Widget", Name: "owner", UID: owner.GetUID(), BlockOwnerDeletion: ptr(true)}
	cms := srv.Client.CoreV1().ConfigMaps(ns)
	cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "of-widget", OwnerReferences: []metav1.OwnerReference{ownerRef}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	child, err := widgets.Create(ctx, &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "gc.example.com/v1", "kind": "Widget", "metadata": map[string]interface{}{
			"name":            "child",
			"ownerReferences": []interface{}{map[string]interface{}{"apiVersion": "v1", "kind": "ConfigMap", "name": cm.Name, "uid": string(cm.UID), "blockOwnerDeletion": true}},
		},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Delete in the foreground: the chain Widget -> ConfigMap -> Widget
	// goes bottom-up (the collector starts watching widgets within
	// seconds of the CRD being served, and then sees the pending
	// foreground deletion).
	fg := metav1.DeletePropagationForeground
	if err := widgets.Delete(ctx, "owner", metav1.DeleteOptions{PropagationPolicy: &fg}); err != nil {
		t.Fatal(err)
	}
	gone(t, "child widget", func() error { _, err := widgets.Get(ctx, child.GetName(), metav1.GetOptions{}); return err })
	gone(t, "configmap", func() error { _, err := cms.Get(ctx, cm.Name, metav1.GetOptions{}); return err })
	gone(t, "owner widget", func() error { _, err := widgets.Get(ctx, "owner", metav1.GetOptions{}); return err })
}
