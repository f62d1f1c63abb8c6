package portallocator

import (
	"context"
	"fmt"
	"maps"
	"math/big"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
)

// RepairControllerName is the event reporter of the NodePort repair, as
// upstream.
const RepairControllerName = "portallocator-repair-controller"

// repairsBeforeLeakCleanup is how many passes a port allocated in the
// bitmap but used by no Service stays allocated (a Service being created
// holds its ports before it is stored), as upstream.
const repairsBeforeLeakCleanup = 3

// Repair rebuilds the NodePort bitmap from the Services, as
// kube-apiserver's portallocator repair controller does at start and then
// periodically: every node port and health check node port of a Service
// is allocated; a port allocated for no Service is released after it was
// seen unused by three passes.
type Repair struct {
	Alloc    *Allocator
	Services corev1client.ServicesGetter
	// Recorder, when set, receives upstream's Warning events.
	Recorder events.EventRecorder
	leaks    map[int]int
}

// RepairResult says what one pass changed.
type RepairResult struct {
	// Repaired are the ports of Services that were not allocated.
	Repaired []int
	// Released are the leaked ports freed.
	Released []int
}

// RunOnce makes one pass: it lists the Services and rewrites the bitmap.
func (r *Repair) RunOnce(ctx context.Context) (RepairResult, error) {
	var res RepairResult
	list, err := r.Services.Services(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return res, fmt.Errorf("unable to refresh the port block: %w", err)
	}
	if r.leaks == nil {
		r.leaks = map[int]int{}
	}
	type warning struct {
		svc                         *corev1.Service
		reason, action, msg, logmsg string
	}
	var leaks map[int]int
	var warnings []warning
	err = r.Alloc.Update(ctx, false, func(b *Bitmap) error {
		// fn may run again on a conflict: start over from the inputs.
		res = RepairResult{}
		warnings = nil
		leaks = maps.Clone(r.leaks)
		stored := &Bitmap{base: b.base, size: b.size}
		stored.bits = new(big.Int).Set(b.bits)
		rebuilt := &Bitmap{base: b.base, size: b.size}
		rebuilt.bits = new(big.Int)
		for i := range list.Items {
			svc := &list.Items[i]
			for _, port := range ServiceNodePorts(svc) {
				switch {
				case !rebuilt.InRange(port):
					warnings = append(warnings, warning{svc, "PortOutOfRange", "PortAllocation",
						fmt.Sprintf("Port %d is not within the port range %s; please recreate service", port, r.Alloc.Range()),
						fmt.Sprintf("the port %d for service %s/%s is not within the port range %s; please recreate", port, svc.Name, svc.Namespace, r.Alloc.Range())})
				case rebuilt.Has(port):
					warnings = append(warnings, warning{svc, "PortAlreadyAllocated", "PortAllocation",
						fmt.Sprintf("Port %d was assigned to multiple services; please recreate service", port),
						fmt.Sprintf("the node port %d for service %s/%s was assigned to multiple services; please recreate", port, svc.Name, svc.Namespace)})
				default:
					rebuilt.Set(port)
					if stored.Has(port) {
						stored.Clear(port)
					} else {
						res.Repaired = append(res.Repaired, port)
						warnings = append(warnings, warning{svc, "PortNotAllocated", "PortAllocation",
							fmt.Sprintf("Port %d is not allocated; repairing", port),
							fmt.Sprintf("the node port %d for service %s/%s is not allocated; repairing", port, svc.Name, svc.Namespace)})
					}
					delete(leaks, port)
				}
			}
		}
		// What is left in stored is allocated to no Service.
		for off := 0; off < stored.size; off++ {
			if stored.bits.Bit(off) == 0 {
				continue
			}
			port := stored.base + off
			count, found := leaks[port]
			if !found {
				count = repairsBeforeLeakCleanup - 1
			}
			if count > 0 {
				leaks[port] = count - 1
				rebuilt.Set(port)
				continue
			}
			delete(leaks, port)
			res.Released = append(res.Released, port)
		}
		b.bits = rebuilt.bits
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("unable to persist the updated port allocations: %w", err)
	}
	r.leaks = leaks
	for _, w := range warnings {
		klog.Warning(w.logmsg)
		if r.Recorder != nil {
			r.Recorder.Eventf(w.svc, nil, corev1.EventTypeWarning, w.reason, w.action, "%s", w.msg)
		}
	}
	for _, p := range res.Released {
		klog.Warningf("the node port %d appears to have leaked: cleaning up", p)
	}
	sort.Ints(res.Repaired)
	sort.Ints(res.Released)
	return res, nil
}

// ServiceNodePorts are the node ports a Service holds (its ports' and its
// health check node port), as upstream's collectServiceNodePorts: one
// node port used with two protocols counts once, twice with one protocol.
func ServiceNodePorts(s *corev1.Service) []int {
	var out []int
	seen := map[int]map[corev1.Protocol]bool{}
	for _, p := range s.Spec.Ports {
		np := int(p.NodePort)
		if np == 0 {
			continue
		}
		protos := seen[np]
		switch {
		case protos == nil:
			seen[np] = map[corev1.Protocol]bool{p.Protocol: true}
			out = append(out, np)
		case protos[p.Protocol]:
			out = append(out, np)
		default:
			protos[p.Protocol] = true
		}
	}
	if hc := int(s.Spec.HealthCheckNodePort); hc != 0 {
		if protos := seen[hc]; protos == nil || protos[corev1.ProtocolTCP] {
			out = append(out, hc)
		}
	}
	return out
}
