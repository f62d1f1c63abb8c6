package kubelet_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestImagePullSecrets pulls from a registry that wants a password: a pod
// with the right imagePullSecret runs, one without it cannot pull.
func TestImagePullSecrets(t *testing.T) {
	ns := srv.Namespace(t)
	// A password-protected front for the test registry.
	upstream := &url.URL{Scheme: "http", Host: strings.SplitN(busybox, "/", 2)[0]}
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != "puller" || p != "s3cret" {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			proxy.ServeHTTP(w, r)
		}))
	}()
	defer ln.Close()
	private := ln.Addr().String() + "/" + strings.SplitN(busybox, "/", 2)[1]

	auth := base64.StdEncoding.EncodeToString([]byte("puller:s3cret"))
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, ln.Addr().String(), auth)
	if _, err := srv.Client.CoreV1().Secrets(ns).Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "regcred"}, Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(cfg)},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	with := pod("with-secret", "sleep 3600")
	with.Spec.Containers[0].Image = private
	with.Spec.Containers[0].ImagePullPolicy = corev1.PullAlways
	with.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "regcred"}}
	create(t, ns, with)
	without := pod("without-secret", "sleep 3600")
	without.Spec.Containers[0].Image = private
	without.Spec.Containers[0].ImagePullPolicy = corev1.PullAlways
	create(t, ns, without)
	waitPod(t, ns, "with-secret", "running with the pull secret", running)
	waitPod(t, ns, "without-secret", "pull refused without it", func(p *corev1.Pod) bool {
		cs := p.Status.ContainerStatuses
		return len(cs) == 1 && cs[0].State.Waiting != nil && (cs[0].State.Waiting.Reason == "ErrImagePull" || cs[0].State.Waiting.Reason == "ImagePullBackOff")
	})
}
