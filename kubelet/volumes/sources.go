package volumes

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/skiff-k8s/skiff/kubelet/envvars"
)

// Defaults the API server applies; used when a hand-built pod lacks them.
const (
	defaultFileMode int32 = 0o644
)

// apiPlugin returns the plugin directory of an API-backed volume and whether
// it is memory-backed. Secrets, downward API data and projected volumes
// (which carry service account tokens) stay off disk, like upstream.
func apiPlugin(src *v1.VolumeSource) (plugin string, tmpfs bool) {
	switch {
	case src.ConfigMap != nil:
		return pluginConfigMap, false
	case src.Secret != nil:
		return pluginSecret, true
	case src.DownwardAPI != nil:
		return pluginDownward, true
	default:
		return pluginProjected, true
	}
}

// writeAPIVolume (re)writes a configMap, secret, downwardAPI or projected
// volume. The payload is computed before touching the disk so a failed
// lookup never leaves a half-updated volume.
func (m *Manager) writeAPIVolume(ctx context.Context, pod *v1.Pod, vol *v1.Volume) (Mount, error) {
	src := &vol.VolumeSource
	var payload map[string]file
	var err error
	switch {
	case src.ConfigMap != nil:
		payload, err = m.configMapPayload(ctx, pod, src.ConfigMap.Name, src.ConfigMap.Items, src.ConfigMap.Optional, modeOr(src.ConfigMap.DefaultMode))
	case src.Secret != nil:
		payload, err = m.secretPayload(ctx, pod, src.Secret.SecretName, src.Secret.Items, src.Secret.Optional, modeOr(src.Secret.DefaultMode))
	case src.DownwardAPI != nil:
		payload, err = m.downwardPayload(pod, src.DownwardAPI.Items, modeOr(src.DownwardAPI.DefaultMode))
	case src.Projected != nil:
		payload, err = m.projectedPayload(ctx, pod, src.Projected)
	}
	if err != nil {
		return Mount{}, err
	}

	plugin, tmpfs := apiPlugin(src)
	dir := m.volumeDir(pod.UID, plugin, vol.Name)
	if err := makeWorldWritable(dir); err != nil {
		return Mount{}, err
	}
	if tmpfs {
		if err := mountTmpfs(dir, m.memoryVolumeSize(pod, nil)); err != nil {
			return Mount{}, err
		}
	}
	if err := writeAtomic(dir, payload); err != nil {
		return Mount{}, err
	}
	if err := applyFSGroup(dir, pod, true, false); err != nil {
		return Mount{}, err
	}
	// The kubelet mounts these read-only into containers regardless of the
	// volumeMount, so writes fail loudly instead of being lost on refresh.
	return Mount{HostPath: dir, ReadOnly: true}, nil
}

func modeOr(p *int32) int32 {
	if p == nil {
		return defaultFileMode
	}
	return *p
}

func isTrue(b *bool) bool { return b != nil && *b }

// keyPayload maps object keys to files: every key when items is empty,
// otherwise only the listed keys at their paths.
func keyPayload(data map[string][]byte, items []v1.KeyToPath, defaultMode int32, optional bool, missing func(key string) error) (map[string]file, error) {
	out := make(map[string]file, len(data))
	if len(items) == 0 {
		for k, v := range data {
			out[k] = file{Data: v, Mode: defaultMode}
		}
		return out, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return nil, missing(it.Key)
		}
		out[it.Path] = file{Data: v, Mode: modeOrDefault(it.Mode, defaultMode)}
	}
	return out, nil
}

func modeOrDefault(p *int32, d int32) int32 {
	if p == nil {
		return d
	}
	return *p
}

func (m *Manager) configMapPayload(ctx context.Context, pod *v1.Pod, name string, items []v1.KeyToPath, optionalP *bool, defaultMode int32) (map[string]file, error) {
	optional := isTrue(optionalP)
	data := map[string][]byte{}
	cm, err := m.getConfigMap(ctx, pod.Namespace, name)
	if err != nil {
		if !(apierrors.IsNotFound(err) && optional) {
			return nil, err
		}
	} else {
		for k, v := range cm.Data {
			data[k] = []byte(v)
		}
		for k, v := range cm.BinaryData {
			data[k] = v
		}
	}
	return keyPayload(data, items, defaultMode, optional, func(key string) error {
		return fmt.Errorf("configmap references non-existent config key: %s", key)
	})
}

func (m *Manager) secretPayload(ctx context.Context, pod *v1.Pod, name string, items []v1.KeyToPath, optionalP *bool, defaultMode int32) (map[string]file, error) {
	optional := isTrue(optionalP)
	var data map[string][]byte
	s, err := m.getSecret(ctx, pod.Namespace, name)
	if err != nil {
		if !(apierrors.IsNotFound(err) && optional) {
			return nil, err
		}
	} else {
		data = s.Data
	}
	return keyPayload(data, items, defaultMode, optional, func(key string) error {
		return fmt.Errorf("references non-existent secret key: %s", key)
	})
}

func (m *Manager) getConfigMap(ctx context.Context, ns, name string) (*v1.ConfigMap, error) {
	if m.Client == nil {
		return nil, fmt.Errorf("couldn't get configMap %v/%v, no kubeClient defined", ns, name)
	}
	return envvars.GetConfigMap(ctx, m.Client, ns, name)
}

func (m *Manager) getSecret(ctx context.Context, ns, name string) (*v1.Secret, error) {
	if m.Client == nil {
		return nil, fmt.Errorf("couldn't get secret %v/%v, no kubeClient defined", ns, name)
	}
	return envvars.GetSecret(ctx, m.Client, ns, name)
}

// downwardPayload collects every item before failing so that the error
// lists all broken references at once, as upstream's aggregate does.
func (m *Manager) downwardPayload(pod *v1.Pod, items []v1.DownwardAPIVolumeFile, defaultMode int32) (map[string]file, error) {
	out := make(map[string]file, len(items))
	var errs []error
	for _, it := range items {
		f := file{Mode: modeOrDefault(it.Mode, defaultMode)}
		switch {
		case it.FieldRef != nil:
			v, err := envvars.MetadataFieldValue(pod, it.FieldRef.FieldPath)
			if err != nil {
				errs = append(errs, err)
			}
			f.Data = []byte(v)
		case it.ResourceFieldRef != nil:
			v, err := envvars.VolumeResourceValue(it.ResourceFieldRef, pod, m.Allocatable)
			if err != nil {
				errs = append(errs, err)
			}
			f.Data = []byte(v)
		}
		out[filepath.Clean(it.Path)] = f
	}
	return out, aggregate(errs)
}

// projectedPayload merges all sources; later sources win on path clashes,
// which validation normally prevents.
func (m *Manager) projectedPayload(ctx context.Context, pod *v1.Pod, src *v1.ProjectedVolumeSource) (map[string]file, error) {
	defaultMode := modeOr(src.DefaultMode)
	out := map[string]file{}
	var errs []error
	merge := func(p map[string]file, err error) {
		if err != nil {
			errs = append(errs, err)
			return
		}
		for k, v := range p {
			out[k] = v
		}
	}
	for _, s := range src.Sources {
		switch {
		case s.Secret != nil:
			merge(m.secretPayload(ctx, pod, s.Secret.Name, s.Secret.Items, s.Secret.Optional, defaultMode))
		case s.ConfigMap != nil:
			merge(m.configMapPayload(ctx, pod, s.ConfigMap.Name, s.ConfigMap.Items, s.ConfigMap.Optional, defaultMode))
		case s.DownwardAPI != nil:
			merge(m.downwardPayload(pod, s.DownwardAPI.Items, defaultMode))
		case s.ServiceAccountToken != nil:
			tok, err := m.serviceAccountToken(ctx, pod, s.ServiceAccountToken)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			// With an fsGroup the token is made group-readable (0640) by
			// applyFSGroup; start from 0600 so "other" never can read it.
			mode := defaultMode
			if sc := pod.Spec.SecurityContext; sc != nil && sc.FSGroup != nil {
				mode = 0o600
			}
			out[s.ServiceAccountToken.Path] = file{Data: []byte(tok), Mode: mode}
		case s.ClusterTrustBundle != nil:
			errs = append(errs, fmt.Errorf("ClusterTrustBundle projection is not supported by this kubelet"))
		case s.PodCertificate != nil:
			errs = append(errs, fmt.Errorf("PodCertificate projection is not supported by this kubelet"))
		}
	}
	return out, aggregate(errs)
}

// aggregate formats several errors the way apimachinery's aggregate does:
// a single error verbatim, several as "[a, b]".
func aggregate(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("[%s]", strings.Join(msgs, ", "))
}
