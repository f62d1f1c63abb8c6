package sim

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// kubeletVersion is what simulated nodes report as their kubelet.
const kubeletVersion = "v1.37.2"

// node is one simulated node and its address plan: node i has host IP
// 172.16.0.0/12 + i + 1 and pod CIDR 10.(128 + i/256).(i%256).0/24.
type node struct {
	name   string
	index  int
	opts   *Options
	hostIP string
	podNet [3]byte
	// nextIP cycles through the pod CIDR's host addresses.
	nextIP atomic.Uint32

	mu    sync.Mutex
	uid   types.UID
	lease *coordinationv1.Lease
	gone  bool
}

func newNode(i int, o *Options) *node {
	h := uint32(i + 1)
	return &node{
		name:   o.NamePrefix + strconv.Itoa(i),
		index:  i,
		opts:   o,
		hostIP: fmt.Sprintf("172.%d.%d.%d", 16+byte(h>>16), byte(h>>8), byte(h)),
		podNet: [3]byte{10, byte(128 + i>>8), byte(i)},
	}
}

func (n *node) podCIDR() string {
	return fmt.Sprintf("%d.%d.%d.0/24", n.podNet[0], n.podNet[1], n.podNet[2])
}

// podIP hands out .2 to .254 of the node's /24, round-robin; a node runs
// far fewer pods than that at once.
func (n *node) podIP() string {
	v := n.nextIP.Add(1)
	return fmt.Sprintf("%d.%d.%d.%d", n.podNet[0], n.podNet[1], n.podNet[2], 2+(v-1)%253)
}

func (n *node) labels() map[string]string {
	l := map[string]string{
		corev1.LabelHostname:      n.name,
		corev1.LabelOSStable:      "linux",
		corev1.LabelArchStable:    n.opts.Arch,
		"beta.kubernetes.io/os":   "linux",
		"beta.kubernetes.io/arch": n.opts.Arch,
		LabelSimNode:              "true",
	}
	if n.opts.Zones > 0 {
		l[corev1.LabelTopologyZone] = fmt.Sprintf("zone-%d", n.index%n.opts.Zones)
		l[corev1.LabelTopologyRegion] = n.opts.Region
	}
	return l
}

func (n *node) object() *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:   n.name,
			Labels: n.labels(),
			Annotations: map[string]string{
				"volumes.kubernetes.io/controller-managed-attach-detach": "true",
			},
		},
		Spec: corev1.NodeSpec{PodCIDR: n.podCIDR(), PodCIDRs: []string{n.podCIDR()}},
	}
}

func (n *node) capacity() corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse(n.opts.CPU),
		corev1.ResourceMemory:           resource.MustParse(n.opts.Memory),
		corev1.ResourcePods:             resource.MustParse(n.opts.Pods),
		corev1.ResourceEphemeralStorage: resource.MustParse(n.opts.EphemeralStorage),
		"hugepages-1Gi":                 resource.MustParse("0"),
		"hugepages-2Mi":                 resource.MustParse("0"),
	}
}

// conditions are what a healthy kubelet reports, in its order.
func conditions(now metav1.Time) []corev1.NodeCondition {
	c := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	return []corev1.NodeCondition{
		c(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
		c(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
		c(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
		c(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"),
	}
}

func (n *node) status(now metav1.Time) corev1.NodeStatus {
	id := sha256.Sum256([]byte("skiff-sim/" + n.name))
	machineID := fmt.Sprintf("%x", id[:16])
	return corev1.NodeStatus{
		Capacity:    n.capacity(),
		Allocatable: n.capacity(),
		Conditions:  conditions(now),
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: n.hostIP},
			{Type: corev1.NodeHostName, Address: n.name},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
		NodeInfo: corev1.NodeSystemInfo{
			MachineID:               machineID,
			SystemUUID:              fmt.Sprintf("%x-%x-%x-%x-%x", id[0:4], id[4:6], id[6:8], id[8:10], id[10:16]),
			BootID:                  fmt.Sprintf("%x-%x-%x-%x-%x", id[16:20], id[20:22], id[22:24], id[24:26], id[26:32]),
			KernelVersion:           "6.0.0-skiff-sim",
			OSImage:                 "skiff simulated node",
			ContainerRuntimeVersion: "skiff-sim://" + kubeletVersion,
			KubeletVersion:          kubeletVersion,
			OperatingSystem:         "linux",
			Architecture:            n.opts.Arch,
		},
	}
}

// register creates the node (or takes over an existing one of that name,
// as a restarted kubelet does) and reports it Ready.
func (s *Sim) register(ctx context.Context, n *node) error {
	nodes := s.client.CoreV1().Nodes()
	obj, err := nodes.Create(ctx, n.object(), metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		obj, err = nodes.Get(ctx, n.name, metav1.GetOptions{})
		if err == nil {
			want := n.object()
			for k, v := range want.Labels {
				if obj.Labels == nil {
					obj.Labels = map[string]string{}
				}
				obj.Labels[k] = v
			}
			if obj.Spec.PodCIDR == "" {
				obj.Spec.PodCIDR, obj.Spec.PodCIDRs = want.Spec.PodCIDR, want.Spec.PodCIDRs
			}
			obj, err = nodes.Update(ctx, obj, metav1.UpdateOptions{})
		}
	}
	if err != nil {
		return err
	}
	if obj.Spec.PodCIDR != "" && obj.Spec.PodCIDR != n.podCIDR() {
		// An existing node keeps its CIDR; use it for pod IPs.
		var a, b, c, d int
		if _, err := fmt.Sscanf(obj.Spec.PodCIDR, "%d.%d.%d.%d/", &a, &b, &c, &d); err == nil {
			n.podNet = [3]byte{byte(a), byte(b), byte(c)}
		}
	}
	obj.Status = n.status(metav1.Now())
	if _, err := nodes.UpdateStatus(ctx, obj, metav1.UpdateOptions{}); err != nil {
		return err
	}
	n.mu.Lock()
	n.uid, n.gone = obj.UID, false
	n.mu.Unlock()
	return nil
}

// heartbeat refreshes the conditions' lastHeartbeatTime with a
// strategic-merge patch (conditions merge by type), so it never
// conflicts with other writers of the node.
func (s *Sim) heartbeat(ctx context.Context, n *node) error {
	n.mu.Lock()
	gone := n.gone
	n.mu.Unlock()
	if gone {
		return nil
	}
	now := metav1.Now()
	var conds []map[string]interface{}
	for _, c := range conditions(now) {
		conds = append(conds, map[string]interface{}{"type": c.Type, "status": c.Status, "reason": c.Reason, "message": c.Message, "lastHeartbeatTime": now})
	}
	patch, err := json.Marshal(map[string]interface{}{"status": map[string]interface{}{"conditions": conds}})
	if err != nil {
		return err
	}
	_, err = s.client.CoreV1().Nodes().Patch(ctx, n.name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	if apierrors.IsNotFound(err) {
		n.mu.Lock()
		n.gone = true
		n.mu.Unlock()
		return nil
	}
	return err
}

// renewLease creates or renews the node's Lease. The last written Lease
// is kept, so a renewal is a single Update unless someone else wrote it.
func (s *Sim) renewLease(ctx context.Context, n *node) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.gone {
		return nil
	}
	leases := s.client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	now := metav1.NewMicroTime(time.Now())
	for attempt := 0; attempt < 3; attempt++ {
		if n.lease == nil {
			l, err := leases.Get(ctx, n.name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				created, err := leases.Create(ctx, n.newLease(now), metav1.CreateOptions{})
				if apierrors.IsAlreadyExists(err) {
					continue
				}
				if err != nil {
					return err
				}
				n.lease = created
				return nil
			case err != nil:
				return err
			}
			n.lease = l
		}
		l := n.lease.DeepCopy()
		name := n.name
		l.Spec.HolderIdentity = &name
		l.Spec.LeaseDurationSeconds = ptrTo(leaseDurationSeconds)
		l.Spec.RenewTime = &now
		updated, err := leases.Update(ctx, l, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			n.lease = nil
			if apierrors.IsNotFound(err) {
				if _, gerr := s.client.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{}); apierrors.IsNotFound(gerr) {
					// The node was deleted (and its Lease collected with
					// it): like a kubelet, do not register it again.
					n.gone = true
					return nil
				}
			}
			continue
		}
		if err != nil {
			return err
		}
		n.lease = updated
		return nil
	}
	return fmt.Errorf("lease %s: kept conflicting", n.name)
}

// leaseDurationSeconds is the kubelet's nodeLeaseDurationSeconds.
const leaseDurationSeconds = int32(40)

func (n *node) newLease(now metav1.MicroTime) *coordinationv1.Lease {
	name := n.name
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{
			Name:      n.name,
			Namespace: corev1.NamespaceNodeLease,
			// Owned by the Node, so the garbage collector removes it with it.
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: n.name, UID: n.uid}},
		},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &name, LeaseDurationSeconds: ptrTo(leaseDurationSeconds), RenewTime: &now},
	}
}

func ptrTo[T any](v T) *T { return &v }
