package kubelet

import (
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/types"
)

const cgroupRoot = "/sys/fs/cgroup"

// removePodCgroups removes the pod's cgroup (kubepods/<qos>/pod<uid>) from
// every hierarchy once its sandbox is gone. runc creates the parents it is
// given but removes only its container's own cgroup, so without this every
// pod would leave a directory in each hierarchy, as upstream's kubelet
// does not.
func removePodCgroups(uid types.UID) {
	hierarchies, err := os.ReadDir(cgroupRoot)
	if err != nil {
		return
	}
	pod := "pod" + string(uid)
	for _, h := range hierarchies {
		if !h.IsDir() {
			continue
		}
		for _, parent := range []string{"kubepods", "kubepods/burstable", "kubepods/besteffort"} {
			removeCgroupTree(filepath.Join(cgroupRoot, h.Name(), parent, pod))
		}
	}
}

// removeCgroupTree rmdirs a cgroup and any (empty) children, deepest first;
// a cgroup that still has processes stays.
func removeCgroupTree(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() {
			removeCgroupTree(filepath.Join(dir, e.Name()))
		}
	}
	_ = os.Remove(dir)
}
