package ipallocator

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
)

// LeakGracePeriod is how old an IPAddress of the allocator must be before
// the repair deletes it for referencing no Service: during a create the
// IPAddress exists before its Service is stored (60 seconds, the request
// timeout, as upstream). Tests may shorten it.
var LeakGracePeriod = 60 * time.Second

// RepairControllerName is the event reporter of the ClusterIP repair, as
// upstream.
const RepairControllerName = "ipallocator-repair-controller"

// Repair reconciles the ClusterIP allocations with the Services, as
// kube-apiserver's ipallocator repair controller (RepairIPAddress) does at
// start and then periodically: every ClusterIP of a Service within a
// service CIDR gets its IPAddress object (a missing one is created, one
// with a wrong reference or labels is recreated), and every IPAddress of
// the allocator that belongs to no Service any more is deleted once older
// than LeakGracePeriod.
type Repair struct {
	Client kubernetes.Interface
	// Recorder, when set, receives upstream's Warning events.
	Recorder events.EventRecorder
	// CIDRs are the service CIDRs besides the ServiceCIDR objects'.
	CIDRs []netip.Prefix
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// RepairResult says what one pass changed.
type RepairResult struct {
	// Created are the IPAddresses created or recreated for Services.
	Created []string
	// Deleted are the leaked IPAddresses deleted.
	Deleted []string
	// Recheck is when a young IPAddress referencing no Service is to be
	// looked at again (zero when there is none).
	Recheck time.Duration
}

// RunOnce makes one full pass over the Services and IPAddresses.
func (r *Repair) RunOnce(ctx context.Context) (RepairResult, error) {
	var res RepairResult
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	svcList, err := r.Client.CoreV1().Services(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return res, fmt.Errorf("unable to refresh the service IP block: %w", err)
	}
	ipList, err := r.Client.NetworkingV1().IPAddresses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return res, fmt.Errorf("unable to refresh the IPAddress block: %w", err)
	}
	cidrs := append([]netip.Prefix(nil), r.CIDRs...)
	if scs, err := r.Client.NetworkingV1().ServiceCIDRs().List(ctx, metav1.ListOptions{}); err == nil {
		for _, sc := range scs.Items {
			for _, c := range sc.Spec.CIDRs {
				if p, err := netip.ParsePrefix(c); err == nil {
					cidrs = append(cidrs, p.Masked())
				}
			}
		}
	}
	inRange := func(ip netip.Addr) bool {
		for _, p := range cidrs {
			if p.Contains(ip) {
				return true
			}
		}
		return false
	}

	services := map[string]*corev1.Service{}
	for i := range svcList.Items {
		s := &svcList.Items[i]
		services[s.Namespace+"/"+s.Name] = s
	}
	ips := map[string]*networkingv1.IPAddress{}
	for i := range ipList.Items {
		ips[ipList.Items[i].Name] = &ipList.Items[i]
	}

	// Every Service's ClusterIPs have their IPAddress.
	for i := range svcList.Items {
		svc := &svcList.Items[i]
		if !hasClusterIP(svc) {
			continue
		}
		for _, v := range svc.Spec.ClusterIPs {
			addr, err := netip.ParseAddr(v)
			if err != nil {
				r.event(svc, "ClusterIPNotValid", "ClusterIPValidation", "Cluster IP %s is not a valid IP; please recreate Service", v)
				klog.Warningf("the ClusterIP %s for Service %s/%s is not a valid IP; please recreate Service", v, svc.Namespace, svc.Name)
				continue
			}
			addr = addr.Unmap()
			name, family := addr.String(), family(addr)
			if !inRange(addr) {
				r.event(svc, "ClusterIPOutOfRange", "ClusterIPAllocation", "Cluster IP [%v]: %s is not within any configured Service CIDR; please recreate service", family, name)
				klog.Warningf("the ClusterIP [%v]: %s for Service %s/%s is not within any service CIDR; please recreate", family, name, svc.Namespace, svc.Name)
				continue
			}
			ipa, ok := ips[name]
			if !ok {
				r.event(svc, "ClusterIPNotAllocated", "ClusterIPAllocation", "Cluster IP [%v]: %s is not allocated; repairing", family, name)
				klog.Warningf("the ClusterIP [%v]: %s for Service %s/%s is not allocated; repairing", family, name, svc.Namespace, svc.Name)
				created, err := r.Client.NetworkingV1().IPAddresses().Create(ctx, newIPAddress(addr, svc), metav1.CreateOptions{})
				if err != nil && !apierrors.IsAlreadyExists(err) {
					return res, err
				}
				if err == nil {
					ips[name] = created
					res.Created = append(res.Created, name)
				}
				continue
			}
			ref := ipa.Spec.ParentRef
			if ref == nil || ref.Group != "" || ref.Resource != "services" {
				r.event(svc, "ClusterIPNotAllocated", "ClusterIPAllocation", "the ClusterIP [%v]: %s for Service %s/%s has a wrong reference; repairing", family, name, svc.Namespace, svc.Name)
				if err := r.recreate(ctx, addr, svc, ips); err != nil {
					return res, err
				}
				res.Created = append(res.Created, name)
				continue
			}
			if ref.Namespace != svc.Namespace || ref.Name != svc.Name {
				other, exists := services[ref.Namespace+"/"+ref.Name]
				if !exists {
					r.event(svc, "ClusterIPNotAllocated", "ClusterIPAllocation", "the ClusterIP [%v]: %s for Service %s/%s has a wrong reference; repairing", family, name, svc.Namespace, svc.Name)
					if err := r.recreate(ctx, addr, svc, ips); err != nil {
						return res, err
					}
					res.Created = append(res.Created, name)
					continue
				}
				for _, oip := range other.Spec.ClusterIPs {
					if oip == name {
						r.event(svc, "ClusterIPAlreadyAllocated", "ClusterIPAllocation", "Cluster IP [%v]:%s was assigned to multiple services; please recreate service", family, name)
						klog.Warningf("the cluster IP [%v]:%s for service %s/%s was assigned to other services %s/%s; please recreate", family, name, svc.Namespace, svc.Name, other.Namespace, other.Name)
						break
					}
				}
			}
			if !hasAllocatorLabels(ipa, addr) {
				if err := r.recreate(ctx, addr, svc, ips); err != nil {
					return res, err
				}
				res.Created = append(res.Created, name)
			}
		}
	}

	// Every IPAddress of the allocator belongs to a Service.
	managed := labels.SelectorFromSet(labels.Set{networkingv1.LabelManagedBy: ManagedBy})
	for _, ipa := range ips {
		if !managed.Matches(labels.Set(ipa.Labels)) {
			continue
		}
		ref := ipa.Spec.ParentRef
		if ref == nil || ref.Group != "" || ref.Resource != "services" {
			r.event(ipa, "IPAddressNotAllocated", "IPAddressAllocation", "IPAddress %s appears to have been modified, not referencing a Service %v: cleaning up", ipa.Name, ref)
			if err := r.delete(ctx, ipa.Name); err != nil {
				return res, err
			}
			res.Deleted = append(res.Deleted, ipa.Name)
			continue
		}
		age := now().Sub(ipa.CreationTimestamp.Time)
		svc, ok := services[ref.Namespace+"/"+ref.Name]
		if !ok {
			if age < LeakGracePeriod {
				res.recheck(LeakGracePeriod - age)
				continue
			}
			klog.Warningf("IPAddress %s appears to have leaked: cleaning up", ipa.Name)
			r.event(ipa, "IPAddressNotAllocated", "IPAddressAllocation", "IPAddress: %s for Service %s/%s appears to have leaked: cleaning up", ipa.Name, ref.Namespace, ref.Name)
			if err := r.delete(ctx, ipa.Name); err != nil {
				return res, err
			}
			res.Deleted = append(res.Deleted, ipa.Name)
			continue
		}
		owned := false
		for _, v := range svc.Spec.ClusterIPs {
			if a, err := netip.ParseAddr(v); err == nil && a.Unmap().String() == ipa.Name {
				owned = true
				break
			}
		}
		if owned {
			continue
		}
		// An ExternalName Service becoming a ClusterIP one allocates before
		// it is stored; a Service create that is being rolled back too.
		if svc.Spec.Type == corev1.ServiceTypeExternalName && age < LeakGracePeriod {
			res.recheck(LeakGracePeriod - age)
			continue
		}
		if ipa.CreationTimestamp.After(svc.CreationTimestamp.Time) && age < 5*time.Second {
			res.recheck(5*time.Second - age)
			continue
		}
		klog.Warningf("the IPAddress: %s for Service %s/%s has a wrong reference %#v; cleaning up", ipa.Name, svc.Namespace, svc.Name, ref)
		r.event(ipa, "IPAddressWrongReference", "IPAddressAllocation", "IPAddress: %s for Service %s/%s has a wrong reference; cleaning up", ipa.Name, svc.Namespace, svc.Name)
		if err := r.delete(ctx, ipa.Name); err != nil {
			return res, err
		}
		res.Deleted = append(res.Deleted, ipa.Name)
	}
	return res, nil
}

func (res *RepairResult) recheck(d time.Duration) {
	if d <= 0 {
		d = time.Second
	}
	if res.Recheck == 0 || d < res.Recheck {
		res.Recheck = d
	}
}

func (r *Repair) recreate(ctx context.Context, addr netip.Addr, svc *corev1.Service, ips map[string]*networkingv1.IPAddress) error {
	if err := r.delete(ctx, addr.String()); err != nil {
		return err
	}
	created, err := r.Client.NetworkingV1().IPAddresses().Create(ctx, newIPAddress(addr, svc), metav1.CreateOptions{})
	if err != nil {
		return err
	}
	ips[addr.String()] = created
	return nil
}

func (r *Repair) delete(ctx context.Context, name string) error {
	err := r.Client.NetworkingV1().IPAddresses().Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return nil
}

func (r *Repair) event(obj any, reason, action, format string, args ...any) {
	if r.Recorder == nil {
		return
	}
	switch o := obj.(type) {
	case *corev1.Service:
		r.Recorder.Eventf(o, nil, corev1.EventTypeWarning, reason, action, format, args...)
	case *networkingv1.IPAddress:
		r.Recorder.Eventf(o, nil, corev1.EventTypeWarning, reason, action, format, args...)
	}
}

// hasClusterIP is upstream's helper.IsServiceIPSet.
func hasClusterIP(s *corev1.Service) bool {
	return s.Spec.ClusterIP != corev1.ClusterIPNone && s.Spec.ClusterIP != ""
}

func family(addr netip.Addr) corev1.IPFamily {
	if addr.Is4() {
		return corev1.IPv4Protocol
	}
	return corev1.IPv6Protocol
}

// hasAllocatorLabels is upstream's verifyIPAddressLabels.
func hasAllocatorLabels(ipa *networkingv1.IPAddress, addr netip.Addr) bool {
	return ipa.Labels[networkingv1.LabelManagedBy] == ManagedBy && ipa.Labels[networkingv1.LabelIPAddressFamily] == string(family(addr))
}

func newIPAddress(addr netip.Addr, svc *corev1.Service) *networkingv1.IPAddress {
	return &networkingv1.IPAddress{
		ObjectMeta: metav1.ObjectMeta{
			Name: addr.String(),
			Labels: map[string]string{
				networkingv1.LabelIPAddressFamily: string(family(addr)),
				networkingv1.LabelManagedBy:       ManagedBy,
			},
		},
		Spec: networkingv1.IPAddressSpec{ParentRef: &networkingv1.ParentReference{
			Group: "", Resource: "services", Namespace: svc.Namespace, Name: svc.Name,
		}},
	}
}
