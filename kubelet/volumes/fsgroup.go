package volumes

import (
	"os"
	"path/filepath"
	"syscall"

	v1 "k8s.io/api/core/v1"
)

// applyFSGroup gives the pod's fsGroup group ownership of a volume, with
// group read (and write unless readOnly) and setgid directories so new files
// inherit the group, like upstream's SetVolumeOwnership. It is how pods
// running as non-root users read their secrets and write their emptyDirs.
//
// onRootMismatch skips the walk when the root already has the group and
// setgid bit, which keeps repeated syncs of large emptyDirs cheap; upstream
// does this only for fsGroupChangePolicy OnRootMismatch.
func applyFSGroup(dir string, pod *v1.Pod, readOnly, onRootMismatch bool) error {
	sc := pod.Spec.SecurityContext
	if sc == nil || sc.FSGroup == nil {
		return nil
	}
	gid := int(*sc.FSGroup)
	policy := sc.FSGroupChangePolicy
	if onRootMismatch || (policy != nil && *policy == v1.FSGroupChangeOnRootMismatch) {
		if st, err := os.Stat(dir); err == nil {
			if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Gid) == gid && st.Mode()&os.ModeSetgid != 0 {
				return nil
			}
		}
	}
	mask := os.FileMode(0o660)
	if readOnly {
		mask = 0o440
	}
	return filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.Mode()&os.ModeSymlink != 0 {
			return nil // the target is walked on its own
		}
		if err := os.Lchown(p, -1, gid); err != nil {
			return err
		}
		m := mask
		if info.IsDir() {
			m |= os.ModeSetgid | 0o110
		}
		return os.Chmod(p, info.Mode()|m)
	})
}
