// Package images provides the images the kubelet's tests run, served from an
// in-process registry (see skiff's kubelet/images) since no registry is
// reachable on the test machines.
//
// A test calls Setup, which starts a registry on 127.0.0.1 for the test's
// lifetime, pushes the pause and busybox images and returns their
// references; containerd then pulls them through the real CRI PullImage path:
//
//	refs := images.Setup(t)
//	// containerd.Options{SandboxImage: refs.Pause, ...}
//	// ContainerConfig{Image: &runtimeapi.ImageSpec{Image: refs.Busybox}, ...}
//
// Start is the same without testing.TB, for benchmarks or ad-hoc tools.
//
// Busybox is built from the host's /bin/busybox (Debian busybox-static):
// the binary plus a symlink per applet in /bin, like docker's busybox image.
package images

import (
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	kimages "github.com/skiff-k8s/skiff/kubelet/images"
)

// BusyboxPath is where Debian's busybox-static installs the binary.
const BusyboxPath = "/bin/busybox"

// BusyboxRepoTag is where Start pushes busybox. Not "latest", so that the
// kubelet's default pull policy is IfNotPresent.
const BusyboxRepoTag = "skiff/busybox:1"

// PATH is the image's PATH, docker's default.
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Busybox returns a busybox image: /bin/busybox with every applet linked in
// /bin, /tmp (1777), /etc/passwd and /etc/group with root and nobody,
// Cmd ["sh"] and docker's PATH. It errors if /bin/busybox is missing or not
// statically linked (a dynamic one would not run in the image).
func Busybox() (v1.Image, error) { return busybox() }

var busybox = sync.OnceValues(func() (v1.Image, error) {
	bin, err := os.ReadFile(BusyboxPath)
	if err != nil {
		return nil, fmt.Errorf("images: busybox: %w (Debian: apt-get install busybox-static)", err)
	}
	ef, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return nil, fmt.Errorf("images: %s: %w", BusyboxPath, err)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			return nil, fmt.Errorf("images: %s is dynamically linked; install busybox-static", BusyboxPath)
		}
	}
	out, err := exec.Command(BusyboxPath, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("images: %s --list: %w", BusyboxPath, err)
	}
	applets := strings.Fields(string(out))
	sort.Strings(applets)

	files := []kimages.File{
		{Path: "bin", Mode: fs.ModeDir | 0o755},
		{Path: "bin/busybox", Mode: 0o755, Data: bin},
	}
	for _, a := range applets {
		if a != "busybox" && !strings.Contains(a, "/") {
			files = append(files, kimages.File{Path: "bin/" + a, Mode: fs.ModeSymlink | 0o777, Link: "busybox"})
		}
	}
	files = append(files,
		kimages.File{Path: "etc", Mode: fs.ModeDir | 0o755},
		kimages.File{Path: "etc/passwd", Mode: 0o644, Data: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n")},
		kimages.File{Path: "etc/group", Mode: 0o644, Data: []byte("root:x:0:\nnobody:x:65534:\n")},
		kimages.File{Path: "home", Mode: fs.ModeDir | 0o755},
		kimages.File{Path: "root", Mode: fs.ModeDir | 0o700},
		kimages.File{Path: "tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		kimages.File{Path: "usr", Mode: fs.ModeDir | 0o755},
		kimages.File{Path: "usr/bin", Mode: fs.ModeDir | 0o755},
		kimages.File{Path: "var", Mode: fs.ModeDir | 0o755},
		kimages.File{Path: "var/www", Mode: fs.ModeDir | 0o755}, // busybox httpd's default -h
	)
	l, err := kimages.Layer(files)
	if err != nil {
		return nil, err
	}
	return kimages.Image(v1.Config{Cmd: []string{"sh"}, Env: []string{"PATH=" + PATH}}, l)
})

// Refs are the references of the images in a test registry.
type Refs struct {
	Registry *kimages.Registry
	Pause    string // Host/skiff/pause:3.10: give it to containerd as SandboxImage
	Busybox  string // Host/skiff/busybox:1
}

// Start starts a registry on 127.0.0.1 (random port) that serves until ctx
// ends, and pushes pause and busybox to it.
func Start(ctx context.Context) (*Refs, error) {
	pause, err := kimages.Pause()
	if err != nil {
		return nil, err
	}
	bb, err := Busybox()
	if err != nil {
		return nil, err
	}
	r, err := kimages.StartRegistry(ctx, "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	refs := &Refs{Registry: r}
	if refs.Pause, err = r.Push(kimages.PauseRepoTag, pause); err != nil {
		return nil, err
	}
	if refs.Busybox, err = r.Push(BusyboxRepoTag, bb); err != nil {
		return nil, err
	}
	return refs, nil
}

// Setup is Start for a test: the registry serves until the test's cleanup,
// and a failure fails the test.
func Setup(t testing.TB) *Refs {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	refs, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return refs
}
