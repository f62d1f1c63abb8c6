// Package images builds and serves container images without a registry.
//
// The machines skiff runs its kubelet on reach no container registry, yet
// containerd needs a sandbox ("pause") image for every pod, and the
// kubelet's tests need something to run. Images are therefore built in
// process with go-containerregistry and served by an in-process OCI registry
// on 127.0.0.1 (Registry), from which containerd pulls over plain HTTP
// through the ordinary CRI PullImage path: containerd treats localhost and
// 127.0.0.1 registries as plain-HTTP without any configuration.
//
// Pause is the sandbox image: a ~260-byte static ELF, hand-assembled in
// pause_elf.go, that waits in pause(2) (ppoll on arm64), exits 0 on SIGTERM
// or SIGINT, and lets the kernel reap orphaned children.
//
// Images are reproducible: fixed file times, no creation time, a fixed
// layer order, so the same inputs give the same digests (and containerd
// does not pull an image it already has after a restart).
//
// The in-process registry keeps blobs in memory and disappears with the
// process, which is fine: containerd keeps what it pulled. A node that
// restarts pushes again; to keep references stable across restarts (and so
// avoid re-pulls and a changing sandbox_image), start the Registry on a
// fixed address.
package images
