// Package kubelet runs pods in real containers on this machine, as
// upstream's kubelet does, over the Container Runtime Interface
// (k8s.io/cri-client) of a containerd that skiff starts itself
// (kubelet/containerd) or that the user names.
//
// The shape follows upstream's kubelet, much reduced:
//
//   - node.go registers the Node (capacity, addresses, nodeInfo, images,
//     pressure conditions), renews its Lease in kube-node-lease and posts
//     status when it changes.
//   - sync.go keeps one worker per pod. A worker drives its pod towards
//     its spec: volumes, then the sandbox (with CNI networking), then init
//     containers in order, sidecars, then the app containers, restarting
//     them under the pod's restartPolicy with upstream's exponential
//     back-off (CrashLoopBackOff), and kills them gracefully on deletion.
//     A relist of the runtime every second (upstream's PLEG) wakes the
//     workers whose containers changed.
//   - status.go turns what the runtime reports into the pod's status:
//     phase, conditions, container states and reasons worded as upstream.
//   - server.go is the kubelet's HTTPS API (logs, exec, attach,
//     port-forward, pods, stats) the API server proxies to.
//
// Everything the kubelet creates carries the pod's UID in a runtime
// label, so a restarted skiff finds running pods again and adopts them
// instead of starting them anew.
package kubelet
