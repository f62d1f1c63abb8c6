package kubelet_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func intOrString(n int) intstr.IntOrString { return intstr.FromInt32(int32(n)) }

func TestVolumesAndEnv(t *testing.T) {
	ns := srv.Namespace(t)
	ctx := context.Background()
	if _, err := srv.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"color": "blue", "size": "L"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "creds"}, StringData: map[string]string{"password": "s3cret"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := pod("mounts", "sleep 3600")
	p.Spec.Volumes = []corev1.Volume{
		{Name: "cm", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}}}},
		{Name: "sec", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "creds"}}},
		{Name: "info", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
			{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}},
		}}}},
	}
	c := &p.Spec.Containers[0]
	c.VolumeMounts = []corev1.VolumeMount{{Name: "cm", MountPath: "/etc/settings"}, {Name: "sec", MountPath: "/etc/creds", ReadOnly: true}, {Name: "info", MountPath: "/etc/info"}}
	c.Env = []corev1.EnvVar{
		{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		{Name: "COLOR", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}, Key: "color"}}},
		{Name: "GREETING", Value: "hello $(POD_NAME)"},
	}
	create(t, ns, p)
	waitPod(t, ns, "mounts", "pod running", running)
	exec := func(script string) string {
		t.Helper()
		out, errOut, err := kubectl(t, "", "exec", "mounts", "-n", ns, "--", "sh", "-c", script)
		if err != nil {
			t.Errorf("exec %q: %v %s", script, err, errOut)
		}
		return out
	}
	if got := exec("cat /etc/settings/color /etc/settings/size"); got != "blueL" {
		t.Errorf("configMap files = %q", got)
	}
	if got := exec("cat /etc/creds/password"); got != "s3cret" {
		t.Errorf("secret file = %q", got)
	}
	if got := exec("cat /etc/info/labels"); got != `app="mounts"` {
		t.Errorf("downwardAPI labels = %q", got)
	}
	// The default service account's token, CA and namespace, projected.
	sa := "/var/run/secrets/kubernetes.io/serviceaccount"
	if got := exec("cat " + sa + "/namespace"); got != ns {
		t.Errorf("projected namespace = %q", got)
	}
	if got := exec("head -c 2 " + sa + "/token"); got != "ey" {
		t.Errorf("projected token starts %q, want a JWT", got)
	}
	if got := exec("cat " + sa + "/ca.crt"); !strings.HasPrefix(got, "-----BEGIN CERTIFICATE-----") {
		t.Errorf("projected ca.crt = %q", got)
	}
	if got := exec("echo $POD_NAME $COLOR $GREETING; echo $KUBERNETES_SERVICE_HOST"); !strings.HasPrefix(got, "mounts blue hello mounts\n10.") {
		t.Errorf("env = %q", got)
	}
	_, errOut, err := kubectl(t, "", "exec", "mounts", "-n", ns, "--", "sh", "-c", "echo x > /etc/creds/new")
	if err == nil || !strings.Contains(errOut, "Read-only file system") {
		t.Errorf("write to a read-only mount: %v %s", err, errOut)
	}
}
