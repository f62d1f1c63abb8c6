package volumes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// Plugin directory names as upstream escapes them ("/" → "~").
const (
	pluginEmptyDir  = "kubernetes.io~empty-dir"
	pluginConfigMap = "kubernetes.io~configmap"
	pluginSecret    = "kubernetes.io~secret"
	pluginProjected = "kubernetes.io~projected"
	pluginDownward  = "kubernetes.io~downward-api"
)

// Manager sets up and tears down pod volumes on this node.
type Manager struct {
	Client   kubernetes.Interface
	PodsDir  string // e.g. <root>/pods
	NodeName string
	// Allocatable is the node's allocatable resources: the value downward
	// API resource fields report for unset limits, and the ceiling for
	// memory-backed emptyDir size.
	Allocatable v1.ResourceList

	// Now is the clock for token refresh decisions; nil means time.Now.
	Now func() time.Time

	mu     sync.Mutex
	tokens map[tokenKey]*cachedToken
}

// Mount is where a volume lives on the host, for the runtime to bind-mount.
type Mount struct {
	HostPath string
	ReadOnly bool
}

// VolumeError is one volume's setup failure. Its text is upstream's
// FailedMount event message so the kubelet can emit it unchanged.
type VolumeError struct {
	Volume string
	Err    error
}

func (e *VolumeError) Error() string {
	return fmt.Sprintf("MountVolume.SetUp failed for volume %q : %v", e.Volume, e.Err)
}

func (e *VolumeError) Unwrap() error { return e.Err }

// Setup makes every volume of the pod and returns them by volume name. It is
// idempotent and meant to be called on every pod sync: existing emptyDir
// contents survive, API-backed contents are refreshed. All volumes are
// attempted; failures come back joined, one *VolumeError each.
func (m *Manager) Setup(ctx context.Context, pod *v1.Pod) (map[string]Mount, error) {
	if err := os.MkdirAll(m.volumesDir(pod.UID), 0o750); err != nil {
		return nil, err
	}
	mounts := make(map[string]Mount, len(pod.Spec.Volumes))
	var errs []error
	for i := range pod.Spec.Volumes {
		vol := &pod.Spec.Volumes[i]
		mnt, err := m.setupVolume(ctx, pod, vol)
		if err != nil {
			errs = append(errs, &VolumeError{Volume: vol.Name, Err: err})
			continue
		}
		mounts[vol.Name] = mnt
	}
	return mounts, errors.Join(errs...)
}

func (m *Manager) setupVolume(ctx context.Context, pod *v1.Pod, vol *v1.Volume) (Mount, error) {
	src := &vol.VolumeSource
	switch {
	case src.EmptyDir != nil:
		return m.setupEmptyDir(pod, vol.Name, src.EmptyDir)
	case src.HostPath != nil:
		return setupHostPath(src.HostPath.Path, src.HostPath.Type, false)
	case src.PersistentVolumeClaim != nil:
		return m.setupPVC(ctx, pod, src.PersistentVolumeClaim)
	case src.ConfigMap != nil, src.Secret != nil, src.DownwardAPI != nil, src.Projected != nil:
		return m.writeAPIVolume(ctx, pod, vol)
	}
	return Mount{}, fmt.Errorf("volume type not supported by this kubelet")
}

// Refresh rewrites the API-backed volumes (configMap, secret, downwardAPI,
// projected) so that object updates and token rotation reach running
// containers. Volumes that were never set up are skipped.
func (m *Manager) Refresh(ctx context.Context, pod *v1.Pod) error {
	var errs []error
	for i := range pod.Spec.Volumes {
		vol := &pod.Spec.Volumes[i]
		src := &vol.VolumeSource
		if src.ConfigMap == nil && src.Secret == nil && src.DownwardAPI == nil && src.Projected == nil {
			continue
		}
		plugin, _ := apiPlugin(src)
		if _, err := os.Stat(m.volumeDir(pod.UID, plugin, vol.Name)); err != nil {
			continue
		}
		if _, err := m.writeAPIVolume(ctx, pod, vol); err != nil {
			errs = append(errs, &VolumeError{Volume: vol.Name, Err: err})
		}
	}
	return errors.Join(errs...)
}

// Teardown unmounts everything mounted under the pod's directory and removes
// it. It refuses to delete while anything is still mounted, since removing
// through a mount would destroy data that is not the pod's.
func (m *Manager) Teardown(podUID types.UID) error {
	podDir := m.podDir(podUID)
	mounts, err := mountsUnder(podDir)
	if err != nil {
		return err
	}
	for _, mp := range mounts {
		if err := unmount(mp); err != nil {
			return err
		}
	}
	if left, err := mountsUnder(podDir); err != nil {
		return err
	} else if len(left) > 0 {
		return fmt.Errorf("pod %s: still mounted after unmount: %s", podUID, strings.Join(left, ", "))
	}
	m.forgetTokens(podUID)
	return os.RemoveAll(podDir)
}

func (m *Manager) podDir(uid types.UID) string { return filepath.Join(m.PodsDir, string(uid)) }

func (m *Manager) volumesDir(uid types.UID) string {
	return filepath.Join(m.podDir(uid), "volumes")
}

func (m *Manager) volumeDir(uid types.UID, plugin, name string) string {
	return filepath.Join(m.volumesDir(uid), plugin, name)
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}
