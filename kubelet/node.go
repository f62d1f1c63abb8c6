package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
)

const (
	// Upstream's defaults: status every 10 s, lease of 40 s renewed
	// every 10 s, hard eviction at memory.available < 100Mi and
	// nodefs.available < 10 %.
	nodeStatusInterval = 10 * time.Second
	leaseDuration      = 40
	evictionMemory     = 100 << 20
	maxImagesInStatus  = 50
)

// nodeState is the kubelet's view of its Node.
type nodeState struct {
	mu      sync.Mutex
	node    *v1.Node
	runtime string // "containerd://1.6.20"
}

func (n *nodeState) get() *v1.Node {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.node
}

func (n *nodeState) set(node *v1.Node) {
	n.mu.Lock()
	n.node = node
	n.mu.Unlock()
}

func (n *nodeState) memoryCapacity() int64 {
	if node := n.get(); node != nil {
		return node.Status.Capacity.Memory().Value()
	}
	return 0
}

// runtimeName is the scheme of container IDs ("containerd").
func (k *Kubelet) runtimeName() string {
	k.node.mu.Lock()
	defer k.node.mu.Unlock()
	name, _, _ := strings.Cut(k.node.runtime, "://")
	return name
}

// registerNode creates the Node, or takes over the one of its name as a
// restarted kubelet does, and posts its first status.
func (k *Kubelet) registerNode(ctx context.Context) error {
	ver, err := k.runtime.Version(ctx, "v1")
	if err != nil {
		return fmt.Errorf("container runtime version: %w", err)
	}
	k.node.runtime = ver.RuntimeName + "://" + ver.RuntimeVersion
	nodes := k.client.CoreV1().Nodes()
	want := &v1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: k.opts.NodeName,
			Labels: map[string]string{
				v1.LabelHostname:          k.opts.NodeName,
				v1.LabelOSStable:          runtime.GOOS,
				v1.LabelArchStable:        runtime.GOARCH,
				"beta.kubernetes.io/os":   runtime.GOOS,
				"beta.kubernetes.io/arch": runtime.GOARCH,
			},
			Annotations: map[string]string{"volumes.kubernetes.io/controller-managed-attach-detach": "true"},
		},
	}
	if k.opts.PodCIDR != "" {
		want.Spec.PodCIDR, want.Spec.PodCIDRs = k.opts.PodCIDR, []string{k.opts.PodCIDR}
	}
	node, err := nodes.Create(ctx, want, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		node, err = nodes.Get(ctx, k.opts.NodeName, metav1.GetOptions{})
		if err == nil && node.Spec.PodCIDR == "" && k.opts.PodCIDR != "" {
			node.Spec.PodCIDR, node.Spec.PodCIDRs = k.opts.PodCIDR, []string{k.opts.PodCIDR}
			for l, v := range want.Labels {
				if node.Labels == nil {
					node.Labels = map[string]string{}
				}
				node.Labels[l] = v
			}
			node, err = nodes.Update(ctx, node, metav1.UpdateOptions{})
		}
	}
	if err != nil {
		return err
	}
	k.node.set(node)
	return k.postNodeStatus(ctx, true)
}

// nodeLoop posts status when it changes (at least every 5 minutes, as
// upstream's nodeStatusReportFrequency) and renews the Lease.
func (k *Kubelet) nodeLoop(ctx context.Context) {
	t := time.NewTicker(nodeStatusInterval)
	defer t.Stop()
	k.renewLease(ctx)
	lastPost := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		k.renewLease(ctx)
		force := time.Since(lastPost) > 5*time.Minute
		if err := k.postNodeStatus(ctx, force); err != nil {
			klog.FromContext(ctx).V(2).Info("Posting node status failed", "err", err)
			continue
		}
		lastPost = time.Now()
	}
}

// postNodeStatus writes the node's status if it changed (or force).
func (k *Kubelet) postNodeStatus(ctx context.Context, force bool) error {
	node := k.node.get()
	st := k.nodeStatus(ctx, node)
	if !force && nodeStatusSame(&node.Status, &st) {
		return nil
	}
	patch, err := json.Marshal(map[string]interface{}{"status": st})
	if err != nil {
		return err
	}
	updated, err := k.client.CoreV1().Nodes().Patch(ctx, node.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	if err != nil {
		return err
	}
	k.node.set(updated)
	return nil
}

func nodeStatusSame(a, b *v1.NodeStatus) bool {
	if len(a.Conditions) != len(b.Conditions) || len(a.Images) != len(b.Images) || len(a.Addresses) != len(b.Addresses) {
		return false
	}
	for i := range a.Conditions {
		if a.Conditions[i].Type != b.Conditions[i].Type || a.Conditions[i].Status != b.Conditions[i].Status {
			return false
		}
	}
	for i := range a.Images {
		if strings.Join(a.Images[i].Names, ",") != strings.Join(b.Images[i].Names, ",") {
			return false
		}
	}
	return a.Allocatable.Memory().Cmp(*b.Allocatable.Memory()) == 0
}

// nodeStatus measures the machine: capacity, allocatable, conditions,
// addresses, system info and images.
func (k *Kubelet) nodeStatus(ctx context.Context, node *v1.Node) v1.NodeStatus {
	memTotal, memAvail := meminfo()
	var fs syscall.Statfs_t
	_ = syscall.Statfs(k.opts.RootDir, &fs)
	disk := int64(fs.Blocks) * fs.Bsize
	diskFree := int64(fs.Bavail) * fs.Bsize
	capacity := v1.ResourceList{
		v1.ResourceCPU:              *resource.NewQuantity(int64(runtime.NumCPU()), resource.DecimalSI),
		v1.ResourceMemory:           *resource.NewQuantity(memTotal, resource.BinarySI),
		v1.ResourcePods:             *resource.NewQuantity(110, resource.DecimalSI),
		v1.ResourceEphemeralStorage: *resource.NewQuantity(disk, resource.BinarySI),
		"hugepages-1Gi":             *resource.NewQuantity(0, resource.BinarySI),
		"hugepages-2Mi":             *resource.NewQuantity(0, resource.BinarySI),
	}
	allocatable := capacity.DeepCopy()
	allocatable[v1.ResourceMemory] = *resource.NewQuantity(max(0, memTotal-evictionMemory), resource.BinarySI)
	allocatable[v1.ResourceEphemeralStorage] = *resource.NewQuantity(disk*9/10, resource.DecimalSI)

	now := metav1.Now()
	ready, readyReason, readyMsg := true, "KubeletReady", "kubelet is posting ready status"
	if s, err := k.runtime.Status(ctx, false); err != nil {
		ready, readyReason, readyMsg = false, "KubeletNotReady", fmt.Sprintf("container runtime is down: %v", err)
	} else {
		for _, c := range s.GetStatus().GetConditions() {
			if !c.Status {
				ready, readyReason = false, "KubeletNotReady"
				readyMsg = fmt.Sprintf("container runtime network not ready: %s: %s: %s", c.Type, c.Reason, c.Message)
				if c.Type == "RuntimeReady" {
					readyMsg = fmt.Sprintf("container runtime not ready: %s: %s", c.Reason, c.Message)
				}
			}
		}
	}
	memPressure := memAvail < evictionMemory
	diskPressure := disk > 0 && diskFree*10 < disk
	cond := func(t v1.NodeConditionType, bad bool, okReason, okMsg, badReason, badMsg string) v1.NodeCondition {
		c := v1.NodeCondition{Type: t, Status: v1.ConditionFalse, Reason: okReason, Message: okMsg, LastHeartbeatTime: now, LastTransitionTime: now}
		if bad {
			c.Status, c.Reason, c.Message = v1.ConditionTrue, badReason, badMsg
		}
		for _, o := range node.Status.Conditions {
			if o.Type == t && o.Status == c.Status {
				c.LastTransitionTime = o.LastTransitionTime
			}
		}
		return c
	}
	conds := []v1.NodeCondition{
		cond(v1.NodeMemoryPressure, memPressure, "KubeletHasSufficientMemory", "kubelet has sufficient memory available", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available"),
		cond(v1.NodeDiskPressure, diskPressure, "KubeletHasNoDiskPressure", "kubelet has no disk pressure", "KubeletHasDiskPressure", "kubelet has disk pressure"),
		cond(v1.NodePIDPressure, false, "KubeletHasSufficientPID", "kubelet has sufficient PID available", "KubeletHasInsufficientPID", "kubelet has insufficient PID available"),
		cond(v1.NodeReady, !ready, readyReason, readyMsg, readyReason, readyMsg),
	}
	// Ready is the one condition whose good state is True.
	conds[3].Status = v1.ConditionFalse
	if ready {
		conds[3].Status = v1.ConditionTrue
	}
	conds[3].LastTransitionTime = now
	for _, o := range node.Status.Conditions {
		if o.Type == v1.NodeReady && o.Status == conds[3].Status {
			conds[3].LastTransitionTime = o.LastTransitionTime
		}
	}
	host, _ := os.Hostname()
	var addrs []v1.NodeAddress
	if k.opts.Address != nil {
		addrs = append(addrs, v1.NodeAddress{Type: v1.NodeInternalIP, Address: k.opts.Address.String()})
	}
	addrs = append(addrs, v1.NodeAddress{Type: v1.NodeHostName, Address: lowerName(host)})
	return v1.NodeStatus{
		Capacity:        capacity,
		Allocatable:     allocatable,
		Conditions:      conds,
		Addresses:       addrs,
		DaemonEndpoints: v1.NodeDaemonEndpoints{KubeletEndpoint: v1.DaemonEndpoint{Port: int32(k.Port)}},
		NodeInfo:        k.systemInfo(),
		Images:          k.nodeImages(ctx),
	}
}

func (k *Kubelet) systemInfo() v1.NodeSystemInfo {
	read := func(p string) string {
		b, _ := os.ReadFile(p)
		return strings.TrimSpace(string(b))
	}
	osImage := "Linux"
	for _, line := range strings.Split(read("/etc/os-release"), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			osImage = strings.Trim(v, `"`)
		}
	}
	var uts syscall.Utsname
	_ = syscall.Uname(&uts)
	kernel := make([]byte, 0, len(uts.Release))
	for _, c := range uts.Release {
		if c == 0 {
			break
		}
		kernel = append(kernel, byte(c))
	}
	k.node.mu.Lock()
	rtv := k.node.runtime
	k.node.mu.Unlock()
	return v1.NodeSystemInfo{
		MachineID:               read("/etc/machine-id"),
		SystemUUID:              strings.ToLower(read("/sys/class/dmi/id/product_uuid")),
		BootID:                  read("/proc/sys/kernel/random/boot_id"),
		KernelVersion:           string(kernel),
		OSImage:                 osImage,
		ContainerRuntimeVersion: rtv,
		KubeletVersion:          Version,
		OperatingSystem:         runtime.GOOS,
		Architecture:            runtime.GOARCH,
	}
}

// nodeImages lists the runtime's images, biggest first, as upstream.
func (k *Kubelet) nodeImages(ctx context.Context) []v1.ContainerImage {
	imgs, err := k.images.ListImages(ctx, nil)
	if err != nil {
		return nil
	}
	sort.Slice(imgs, func(i, j int) bool { return imgs[i].Size > imgs[j].Size })
	var out []v1.ContainerImage
	for _, img := range imgs {
		names := append(append([]string{}, img.RepoDigests...), img.RepoTags...)
		if len(names) == 0 {
			continue
		}
		out = append(out, v1.ContainerImage{Names: names, SizeBytes: int64(img.Size)})
		if len(out) == maxImagesInStatus {
			break
		}
	}
	return out
}

// renewLease keeps the node's Lease in kube-node-lease fresh; the node
// lifecycle controller reads it as the heartbeat.
func (k *Kubelet) renewLease(ctx context.Context) {
	leases := k.client.CoordinationV1().Leases(v1.NamespaceNodeLease)
	now := metav1.NewMicroTime(time.Now())
	node := k.node.get()
	lease, err := leases.Get(ctx, k.opts.NodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		lease = &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: k.opts.NodeName, Namespace: v1.NamespaceNodeLease},
			Spec: coordinationv1.LeaseSpec{
				HolderIdentity: ptr.To(k.opts.NodeName), LeaseDurationSeconds: ptr.To(int32(leaseDuration)), RenewTime: &now,
			},
		}
		if node != nil {
			lease.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}}
		}
		_, err = leases.Create(ctx, lease, metav1.CreateOptions{})
	} else if err == nil {
		lease.Spec.RenewTime = &now
		lease.Spec.HolderIdentity = ptr.To(k.opts.NodeName)
		lease.Spec.LeaseDurationSeconds = ptr.To(int32(leaseDuration))
		_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
	}
	if err != nil {
		klog.FromContext(ctx).V(2).Info("Renewing the node lease failed", "err", err)
	}
}

// meminfo reads MemTotal and MemAvailable in bytes.
func meminfo() (total, avail int64) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		var v int64
		if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &v); err == nil {
			total = v << 10
		}
		if _, err := fmt.Sscanf(line, "MemAvailable: %d kB", &v); err == nil {
			avail = v << 10
		}
	}
	return total, avail
}

func lowerName(s string) string { return strings.ToLower(s) }
