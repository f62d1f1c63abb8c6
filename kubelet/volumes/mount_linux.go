package volumes

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"syscall"
)

// tmpfsMagic is TMPFS_MAGIC from linux/magic.h.
const tmpfsMagic = 0x01021994

// isTmpfsMount reports whether dir itself is a tmpfs mount point, which
// makes Setup idempotent across kubelet sync loops and restarts.
func isTmpfsMount(dir string) (bool, error) {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		return false, err
	}
	if fs.Type != tmpfsMagic {
		return false, nil
	}
	return isMountPoint(dir)
}

// isMountPoint compares devices with the parent; enough for tmpfs, which
// always gets its own device number.
func isMountPoint(dir string) (bool, error) {
	var st, parent syscall.Stat_t
	if err := syscall.Lstat(dir, &st); err != nil {
		return false, err
	}
	if err := syscall.Lstat(filepath.Dir(dir), &parent); err != nil {
		return false, err
	}
	return st.Dev != parent.Dev, nil
}

// mountTmpfs mounts a tmpfs on dir unless one is already there. size 0 leaves
// the kernel default. noswap keeps memory-backed data out of swap when the
// kernel knows the option (6.4+), as upstream does.
func mountTmpfs(dir string, size int64) error {
	if ok, err := isTmpfsMount(dir); err != nil {
		return err
	} else if ok {
		return nil
	}
	var opts []string
	if size > 0 {
		opts = append(opts, fmt.Sprintf("size=%d", size))
	}
	err := syscall.Mount("tmpfs", dir, "tmpfs", 0, strings.Join(append(opts, "noswap"), ","))
	if err == syscall.EINVAL {
		err = syscall.Mount("tmpfs", dir, "tmpfs", 0, strings.Join(opts, ","))
	}
	if err != nil {
		return fmt.Errorf("mount failed: %v\nMounting command: mount\nMounting arguments: -t tmpfs -o %s tmpfs %s", err, strings.Join(opts, ","), dir)
	}
	return nil
}

// mountsUnder lists mount points at or below root, deepest first so they can
// be unmounted in order.
func mountsUnder(root string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	root = filepath.Clean(root)
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMountPath(fields[4])
		if mp == root || strings.HasPrefix(mp, root+"/") {
			out = append(out, mp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out, sc.Err()
}

// unescapeMountPath undoes mountinfo's octal escaping of space, tab, newline
// and backslash.
func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%3o", &v); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unmount(dir string) error {
	if err := syscall.Unmount(dir, 0); err != nil && err != syscall.EINVAL && err != syscall.ENOENT {
		return fmt.Errorf("unmount %s: %w", dir, err)
	}
	return nil
}
