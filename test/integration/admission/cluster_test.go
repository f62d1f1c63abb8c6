package admission

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"testing"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestStorage(t *testing.T) {
	ns := newNamespace(t, nil)
	_, err := srv.Client.StorageV1().StorageClasses().Create(ctx, &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{Name: "admission-standard", Annotations: map[string]string{
			"storageclass.kubernetes.io/is-default-class": "true",
		}},
		Provisioner: "example.com/disk",
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.StorageV1().StorageClasses().Delete(ctx, "admission-standard", metav1.DeleteOptions{})
	})
	claim := func(name string) *corev1.PersistentVolumeClaim {
		return &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{"storage": resource.MustParse("1Gi")}},
			},
		}
	}
	var got *corev1.PersistentVolumeClaim
	attempt := 0
	eventually(t, "the default class in the cache", func() (bool, error) {
		// A new name each try: a deleted claim lingers (pvc-protection).
		attempt++
		got, err = srv.Client.CoreV1().PersistentVolumeClaims(ns).Create(ctx, claim(fmt.Sprint("data-", attempt)), metav1.CreateOptions{})
		if err != nil {
			return false, err
		}
		if got.Spec.StorageClassName == nil {
			return false, srv.Client.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, got.Name, metav1.DeleteOptions{})
		}
		return true, nil
	})
	if *got.Spec.StorageClassName != "admission-standard" {
		t.Errorf("storageClassName %q", *got.Spec.StorageClassName)
	}
	if fmt.Sprint(got.Finalizers) != "[kubernetes.io/pvc-protection]" {
		t.Errorf("claim finalizers %v", got.Finalizers)
	}
	// An explicit empty class is kept.
	c := claim("no-class")
	c.Spec.StorageClassName = ptr.To("")
	got, err = srv.Client.CoreV1().PersistentVolumeClaims(ns).Create(ctx, c, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *got.Spec.StorageClassName != "" {
		t.Errorf("storageClassName %q, want empty", *got.Spec.StorageClassName)
	}
	// PersistentVolumeClaimResize: an unbound claim cannot grow.
	got.Spec.Resources.Requests["storage"] = resource.MustParse("2Gi")
	_, err = srv.Client.CoreV1().PersistentVolumeClaims(ns).Update(ctx, got, metav1.UpdateOptions{})
	assertForbidden(t, err, `persistentvolumeclaims "no-class" is forbidden: Only bound persistent volume claims can be expanded`)

	pv, err := srv.Client.CoreV1().PersistentVolumes().Create(ctx, &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: "admission-pv"},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:               corev1.ResourceList{"storage": resource.MustParse("1Gi")},
			AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp"}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(pv.Finalizers) != "[kubernetes.io/pv-protection]" {
		t.Errorf("volume finalizers %v", pv.Finalizers)
	}

	// The protection controllers let unused objects go.
	if err := srv.Client.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the volume to be deleted", func() (bool, error) {
		_, err := srv.Client.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err := srv.Client.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, "no-class", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the claim to be deleted", func() (bool, error) {
		_, err := srv.Client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "no-class", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})

	vac, err := srv.Client.StorageV1().VolumeAttributesClasses().Create(ctx, &storagev1.VolumeAttributesClass{
		ObjectMeta: metav1.ObjectMeta{Name: "admission-fast"}, DriverName: "example.com/disk",
		Parameters: map[string]string{"iops": "3000"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(vac.Finalizers) != "[kubernetes.io/vac-protection]" {
		t.Errorf("volumeattributesclass finalizers %v", vac.Finalizers)
	}
	if err := srv.Client.StorageV1().VolumeAttributesClasses().Delete(ctx, vac.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the class to be deleted", func() (bool, error) {
		_, err := srv.Client.StorageV1().VolumeAttributesClasses().Get(ctx, vac.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
}

func TestTaintNodesByCondition(t *testing.T) {
	n, err := srv.Client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "admission-node"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Client.CoreV1().Nodes().Delete(ctx, n.Name, metav1.DeleteOptions{}) })
	want := []corev1.Taint{{Key: "node.kubernetes.io/not-ready", Effect: corev1.TaintEffectNoSchedule}}
	if fmt.Sprint(n.Spec.Taints) != fmt.Sprint(want) {
		t.Errorf("taints %v, want %v", n.Spec.Taints, want)
	}
}

func TestDefaultIngressClass(t *testing.T) {
	ns := newNamespace(t, nil)
	_, err := srv.Client.NetworkingV1().IngressClasses().Create(ctx, &networkingv1.IngressClass{
		ObjectMeta: metav1.ObjectMeta{Name: "admission-nginx", Annotations: map[string]string{
			"ingressclass.kubernetes.io/is-default-class": "true",
		}},
		Spec: networkingv1.IngressClassSpec{Controller: "example.com/ingress"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.NetworkingV1().IngressClasses().Delete(ctx, "admission-nginx", metav1.DeleteOptions{})
	})
	i := 0
	eventually(t, "the default class in the cache", func() (bool, error) {
		i++
		ing, err := srv.Client.NetworkingV1().Ingresses(ns).Create(ctx, &networkingv1.Ingress{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint("web-", i)},
			Spec: networkingv1.IngressSpec{DefaultBackend: &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
				Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80},
			}}},
		}, metav1.CreateOptions{})
		if err != nil {
			return false, err
		}
		return ing.Spec.IngressClassName != nil && *ing.Spec.IngressClassName == "admission-nginx", nil
	})
}

func TestCertificateSubjectRestriction(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "mallory", Organization: []string{"system:masters"}},
	}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr := &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "admission-masters"},
		Spec: certificatesv1.CertificateSigningRequestSpec{
			Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
			SignerName: certificatesv1.KubeAPIServerClientSignerName,
			Usages:     []certificatesv1.KeyUsage{certificatesv1.UsageClientAuth},
		},
	}
	_, err = srv.Client.CertificatesV1().CertificateSigningRequests().Create(ctx, csr, metav1.CreateOptions{})
	assertForbidden(t, err, `certificatesigningrequests.certificates.k8s.io "admission-masters" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed`)
}

func TestResourceQuota(t *testing.T) {
	ns := newNamespace(t, nil)
	_, err := srv.Client.CoreV1().ResourceQuotas(ns).Create(ctx, &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "small"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
			"pods": resource.MustParse("1"), "configmaps": resource.MustParse("2"), "requests.cpu": resource.MustParse("1"),
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The status is filled in (by kube-controller-manager upstream).
	eventually(t, "the quota's status", func() (bool, error) {
		q, err := srv.Client.CoreV1().ResourceQuotas(ns).Get(ctx, "small", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return len(q.Status.Hard) == 3 && len(q.Status.Used) == 3, nil
	})
	// kube-root-ca.crt (created by a controller) is the one configmap.
	eventually(t, "kube-root-ca.crt counted", func() (bool, error) {
		q, err := srv.Client.CoreV1().ResourceQuotas(ns).Get(ctx, "small", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		u := q.Status.Used["configmaps"]
		return u.String() == "1", nil
	})

	_, err = srv.Client.CoreV1().Pods(ns).Create(ctx, pod("no-requests"), metav1.CreateOptions{})
	assertForbidden(t, err, `pods "no-requests" is forbidden: failed quota: small: must specify requests.cpu for: c`)

	withCPU := func(name string) *corev1.Pod {
		p := pod(name)
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{"cpu": resource.MustParse("200m")}
		return p
	}
	if _, err := srv.Client.CoreV1().Pods(ns).Create(ctx, withCPU("first"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = srv.Client.CoreV1().Pods(ns).Create(ctx, withCPU("second"), metav1.CreateOptions{})
	assertForbidden(t, err, `pods "second" is forbidden: exceeded quota: small, requested: pods=1, used: pods=1, limited: pods=1`)

	if _, err := srv.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "one"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = srv.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "two"}}, metav1.CreateOptions{})
	assertForbidden(t, err, `configmaps "two" is forbidden: exceeded quota: small, requested: configmaps=1, used: configmaps=2, limited: configmaps=2`)

	// Deleting frees the usage again.
	if err := srv.Client.CoreV1().ConfigMaps(ns).Delete(ctx, "one", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the usage to go down", func() (bool, error) {
		_, err := srv.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "two"}}, metav1.CreateOptions{})
		return err == nil, nil
	})
	q, _ := srv.Client.CoreV1().ResourceQuotas(ns).Get(ctx, "small", metav1.GetOptions{})
	if u := q.Status.Used["requests.cpu"]; u.String() != "200m" {
		t.Errorf("used requests.cpu %s, want 200m", u.String())
	}
}
