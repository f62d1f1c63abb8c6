package kubelet

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// ensureImage makes the container's image present as its
// imagePullPolicy says, and returns the runtime's reference for it. On
// failure it returns "" and when to try again, with the container's
// waiting reason set as upstream words it (ErrImagePull,
// ImagePullBackOff, ErrImageNeverPull).
func (k *Kubelet) ensureImage(ctx context.Context, pod *v1.Pod, c *v1.Container, ref *v1.ObjectReference, w *podWorker, sandboxCfg *runtimeapi.PodSandboxConfig) (string, time.Duration) {
	spec := &runtimeapi.ImageSpec{Image: c.Image}
	present := ""
	if st, err := k.images.ImageStatus(ctx, spec, false); err == nil && st.Image != nil {
		present = st.Image.Id
	}
	if c.ImagePullPolicy == v1.PullNever && present == "" {
		msg := fmt.Sprintf("Container image %q is not present with pull policy of Never", c.Image)
		w.setWaiting(c.Name, waitReason{"ErrImageNeverPull", msg})
		k.recorder.Event(ref, v1.EventTypeWarning, "ErrImageNeverPull", msg)
		return "", 10 * time.Second
	}
	if present != "" && c.ImagePullPolicy != v1.PullAlways {
		k.recorder.Eventf(ref, v1.EventTypeNormal, "Pulled", "Container image %q already present on machine", c.Image)
		return present, 0
	}
	key := "pull/" + string(pod.UID) + "/" + c.Image
	if k.backoff.IsInBackOffSinceUpdate(key, time.Now()) {
		prev, _ := w.waitingReason(c.Name)
		msg := fmt.Sprintf("Back-off pulling image %q", c.Image)
		if prev.reason == "ErrImagePull" || prev.reason == "ImagePullBackOff" {
			detail := prev.message
			if i := strings.Index(detail, ": ErrImagePull: "); prev.reason == "ImagePullBackOff" && i >= 0 {
				detail = detail[i+len(": ErrImagePull: "):]
			}
			w.setWaiting(c.Name, waitReason{"ImagePullBackOff", msg + ": ErrImagePull: " + detail})
		} else {
			w.setWaiting(c.Name, waitReason{"ImagePullBackOff", msg})
		}
		k.recorder.Event(ref, v1.EventTypeNormal, "BackOff", msg)
		return "", k.backoff.Get(key)
	}
	k.recorder.Eventf(ref, v1.EventTypeNormal, "Pulling", "Pulling image %q", c.Image)
	start := time.Now()
	var imageRef string
	var err error
	for _, auth := range k.pullAuths(ctx, pod, c.Image) {
		imageRef, err = k.images.PullImage(ctx, spec, auth, sandboxCfg)
		if err == nil {
			break
		}
	}
	if err != nil {
		k.backoff.Next(key, time.Now())
		w.setWaiting(c.Name, waitReason{"ErrImagePull", err.Error()})
		k.recorder.Eventf(ref, v1.EventTypeWarning, "Failed", "Failed to pull image %q: %v", c.Image, err)
		k.recorder.Event(ref, v1.EventTypeWarning, "Failed", "Error: ErrImagePull")
		return "", k.backoff.Get(key)
	}
	k.backoff.Reset(key)
	took := time.Since(start)
	size := uint64(0)
	if st, err := k.images.ImageStatus(ctx, spec, false); err == nil && st.Image != nil {
		size = st.Image.Size
	}
	k.recorder.Eventf(ref, v1.EventTypeNormal, "Pulled", "Successfully pulled image %q in %v (%v including waiting). Image size: %v bytes.", c.Image, took, took, size)
	return imageRef, 0
}

// pullAuths lists the credentials to try for an image: those of the
// pod's imagePullSecrets matching its registry, then none.
func (k *Kubelet) pullAuths(ctx context.Context, pod *v1.Pod, image string) []*runtimeapi.AuthConfig {
	host := registryHost(image)
	var out []*runtimeapi.AuthConfig
	for _, ref := range pod.Spec.ImagePullSecrets {
		s, err := k.client.CoreV1().Secrets(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			continue
		}
		var cfg struct {
			Auths map[string]dockerAuth `json:"auths"`
		}
		switch s.Type {
		case v1.SecretTypeDockerConfigJson:
			_ = json.Unmarshal(s.Data[v1.DockerConfigJsonKey], &cfg)
		case v1.SecretTypeDockercfg:
			_ = json.Unmarshal(s.Data[v1.DockerConfigKey], &cfg.Auths)
		}
		for server, a := range cfg.Auths {
			if registryHost(strings.TrimPrefix(strings.TrimPrefix(server, "https://"), "http://")+"/x") != host {
				continue
			}
			// No ServerAddress: the host already matched, and containerd
			// drops credentials whose address does not parse as a URL
			// ("127.0.0.1:5000" does not).
			ac := &runtimeapi.AuthConfig{Username: a.Username, Password: a.Password}
			if a.Auth != "" {
				if raw, err := base64.StdEncoding.DecodeString(a.Auth); err == nil {
					if u, p, ok := strings.Cut(string(raw), ":"); ok {
						ac.Username, ac.Password = u, p
					}
				}
			}
			out = append(out, ac)
		}
	}
	return append(out, nil)
}

type dockerAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Auth     string `json:"auth"`
}

// registryHost is the registry part of an image name, docker.io when
// the name has none.
func registryHost(image string) string {
	first, _, ok := strings.Cut(image, "/")
	if !ok || (!strings.ContainsAny(first, ".:") && first != "localhost") {
		return "docker.io"
	}
	return first
}
