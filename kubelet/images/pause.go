package images

import (
	"runtime"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// PauseRepoTag is where skiff pushes the pause image in its registry.
const PauseRepoTag = "skiff/pause:3.10"

// Pause returns the sandbox image for this machine's architecture: one
// layer holding /pause (see pause_elf.go), Entrypoint ["/pause"]. It errors
// on architectures other than amd64 and arm64.
func Pause() (v1.Image, error) { return pauseImage() }

var pauseImage = sync.OnceValues(pauseImageUncached)

func pauseImageUncached() (v1.Image, error) {
	bin, err := pauseELF(runtime.GOARCH)
	if err != nil {
		return nil, err
	}
	l, err := Layer([]File{{Path: "pause", Mode: 0o755, Data: bin}})
	if err != nil {
		return nil, err
	}
	// The sandbox runs as root by default and never needs a PATH; the
	// kubelet may still set a user through the pod's security context.
	return Image(v1.Config{Entrypoint: []string{"/pause"}, WorkingDir: "/"}, l)
}
