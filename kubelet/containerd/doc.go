// Package containerd runs a private containerd for skiff's kubelet.
//
// The kubelet speaks CRI to containerd, and skiff wants to start that
// containerd itself rather than depend on a system daemon: a node is then one
// directory (Options.Dir) that holds containerd's root, state, socket, config,
// log and runc root, so several nodes (or tests) on one machine never share
// anything. Start writes config.toml, launches containerd in its own process
// group and waits until the socket answers a CRI Version call.
//
// Why the config looks the way it does (facts measured on the CI machines,
// see /work/shared/notes/node-runtime.md):
//
//   - restrict_oom_score_adj = true: root there lacks CAP_SYS_RESOURCE, and the
//     sandbox's oom_score_adj of -998 makes every RunPodSandbox fail inside
//     runc otherwise.
//   - SystemdCgroup = false: there is no systemd; the cgroupfs driver works.
//   - runc's Root under Dir: two containerds with the default runc root would
//     see each other's containers.
//   - Snapshotters other than overlayfs/native and the tracing plugins are
//     disabled: they are never used and only log warnings at start.
//
// Lifecycle: containerd runs in its own process group so a ^C to skiff (which
// goes to the foreground process group) does not kill it behind skiff's back;
// skiff calls Process.Stop. Containers outlive containerd (their shims are
// separate processes), so stopping and restarting containerd with the same Dir
// finds them again. If Start finds a containerd already answering on Dir's
// socket with the same config, it reuses it instead of starting another.
//
// WriteCNIConfig writes the conflist the CRI plugin reads from CNIConfDir:
// bridge + host-local + portmap + loopback, the upstream "containerd-net"
// example shape.
package containerd
