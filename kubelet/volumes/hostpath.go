package volumes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// setupHostPath checks (or creates) the path per its type. Nothing is
// mounted: the runtime bind-mounts the host path directly.
func setupHostPath(path string, typ *v1.HostPathType, readOnly bool) (Mount, error) {
	for _, part := range strings.Split(path, "/") {
		if part == ".." {
			return Mount{}, fmt.Errorf("invalid HostPath `%s`: must not contain '..'", path)
		}
	}
	if typ != nil && *typ != v1.HostPathUnset {
		if err := checkHostPathType(path, *typ); err != nil {
			return Mount{}, err
		}
	}
	return Mount{HostPath: path, ReadOnly: readOnly}, nil
}

// fileType names what is at path using the HostPathType spellings.
func fileType(path string) (v1.HostPathType, error) {
	st, err := os.Stat(path)
	if os.IsNotExist(err) {
		return "", fmt.Errorf("path %q does not exist", path)
	}
	if err != nil {
		return "", err
	}
	mode := st.Mode()
	switch {
	case mode.IsDir():
		return v1.HostPathDirectory, nil
	case mode.IsRegular():
		return v1.HostPathFile, nil
	case mode&os.ModeSocket != 0:
		return v1.HostPathSocket, nil
	case mode&os.ModeDevice != 0 && mode&os.ModeCharDevice != 0:
		return v1.HostPathCharDev, nil
	case mode&os.ModeDevice != 0:
		return v1.HostPathBlockDev, nil
	}
	return "", errors.New("only recognise file, directory, socket, block device and character devices")
}

func checkHostPathType(path string, typ v1.HostPathType) error {
	exists := func() bool { _, err := os.Stat(path); return err == nil }
	var want v1.HostPathType
	var desc string
	switch typ {
	case v1.HostPathDirectoryOrCreate:
		if !exists() {
			// 0755 like upstream: the kubelet owns what it creates but
			// containers running as other users must be able to enter.
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
		}
		want, desc = v1.HostPathDirectory, "directory"
	case v1.HostPathDirectory:
		want, desc = v1.HostPathDirectory, "directory"
	case v1.HostPathFileOrCreate:
		if !exists() {
			f, err := os.OpenFile(path, os.O_CREATE, 0o644)
			if f != nil {
				f.Close()
			}
			if err != nil && !os.IsExist(err) {
				return err
			}
		}
		want, desc = v1.HostPathFile, "file"
	case v1.HostPathFile:
		want, desc = v1.HostPathFile, "file"
	case v1.HostPathSocket:
		want, desc = v1.HostPathSocket, "socket file"
	case v1.HostPathCharDev:
		want, desc = v1.HostPathCharDev, "character device"
	case v1.HostPathBlockDev:
		want, desc = v1.HostPathBlockDev, "block device"
	default:
		return fmt.Errorf("%s is an invalid volume type", typ)
	}
	got, err := fileType(path)
	if err != nil {
		return fmt.Errorf("hostPath type check failed, %s is not a %s, unable to determine its type: %w", path, desc, err)
	}
	if got != want {
		return fmt.Errorf("hostPath type check failed: %s is not a %s, it's a %s", path, desc, got)
	}
	return nil
}

// setupPVC follows a claim to its bound PV. Only node-local PV types can be
// served by a single-node kubelet without a CSI driver: hostPath and local.
// Lookup errors read like upstream's volume manager's.
func (m *Manager) setupPVC(ctx context.Context, pod *v1.Pod, src *v1.PersistentVolumeClaimVolumeSource) (Mount, error) {
	pv, err := m.boundPV(ctx, pod.Namespace, src.ClaimName)
	if err != nil {
		return Mount{}, fmt.Errorf("error processing PVC %s/%s: %v", pod.Namespace, src.ClaimName, err)
	}
	if pv.Spec.VolumeMode != nil && *pv.Spec.VolumeMode == v1.PersistentVolumeBlock {
		return Mount{}, fmt.Errorf("persistent volume %s: block volumes are not supported by this kubelet", pv.Name)
	}
	readOnly := src.ReadOnly
	switch {
	case pv.Spec.HostPath != nil:
		return setupHostPath(pv.Spec.HostPath.Path, pv.Spec.HostPath.Type, readOnly)
	case pv.Spec.Local != nil:
		// A local PV names storage the administrator prepared; it must exist.
		if _, err := fileType(pv.Spec.Local.Path); err != nil {
			return Mount{}, err
		}
		return Mount{HostPath: pv.Spec.Local.Path, ReadOnly: readOnly}, nil
	}
	return Mount{}, fmt.Errorf("persistent volume %s: volume type not supported by this kubelet (only hostPath and local)", pv.Name)
}

func (m *Manager) boundPV(ctx context.Context, ns, claim string) (*v1.PersistentVolume, error) {
	if m.Client == nil {
		return nil, errors.New("failed to fetch PVC from API server: no kube client")
	}
	pvc, err := m.Client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, claim, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("failed to fetch PVC from API server: %v", err)
	}
	// A claim being deleted without its protection finalizer must not gain
	// new users.
	if pvc.DeletionTimestamp != nil && !slices.Contains(pvc.Finalizers, "kubernetes.io/pvc-protection") {
		return nil, errors.New("PVC is being deleted")
	}
	if pvc.Status.Phase != v1.ClaimBound {
		return nil, errors.New("PVC is not bound")
	}
	if pvc.Spec.VolumeName == "" {
		return nil, errors.New("PVC has empty pvc.Spec.VolumeName")
	}
	name := pvc.Spec.VolumeName
	pv, err := m.Client.CoreV1().PersistentVolumes().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("failed to fetch PV %s from API server: %v", name, err)
	}
	if pv.Spec.ClaimRef == nil {
		return nil, fmt.Errorf("found PV object %s but it has a nil pv.Spec.ClaimRef indicating it is not yet bound to the claim", name)
	}
	if pv.Spec.ClaimRef.UID != pvc.UID {
		return nil, fmt.Errorf("found PV object %s but its pv.Spec.ClaimRef.UID %s does not point to claim.UID %s", name, pv.Spec.ClaimRef.UID, pvc.UID)
	}
	return pv, nil
}
