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
// containerd 2.x gets a version 3 config (the CRI settings moved to the
// io.containerd.cri.v1.runtime and io.containerd.cri.v1.images plugins; CNI
// bin_dirs is 2.1+). Only 1.6.20 (Debian, CI) has been run; the 2.x config is
// checked by a unit test only.
//
// Measured with Debian containerd 1.6.20 + runc 1.1.5 on a 2-core CI VM
// (TestPodLifecycle): containerd up and answering CRI 0.2-0.3 s; PullImage
// from the loopback registry 45 ms (pause) and 120 ms (busybox);
// RunPodSandbox 0.3-0.4 s; create+start busybox 0.2-0.3 s; StopPodSandbox
// 0.2-0.4 s (1.6 kills the sandbox with SIGKILL at once, no TERM grace);
// RemovePodSandbox 60-120 ms; a stop+start of containerd with a pod running
// 0.2 s, the pod still READY afterwards.
//
// WriteCNIConfig writes the conflist the CRI plugin reads from CNIConfDir:
// bridge + host-local + portmap + loopback, the upstream "containerd-net"
// example shape.
package containerd
