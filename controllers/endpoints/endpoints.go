// Package endpoints keeps the legacy Endpoints object of every Service
// with a selector, as kube-controller-manager's endpoints controller does:
// ready pods in addresses, others in notReadyAddresses (all ready with
// publishNotReadyAddresses), subsets repacked by port set, the Service's
// labels plus endpoints.kubernetes.io/managed-by=endpoint-controller and
// service.kubernetes.io/headless, and the over-capacity annotation past
// 1000 addresses.
package endpoints

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	"github.com/skiff-k8s/skiff/controllers/endpointslice"
)

const (
	// LabelManagedBy marks Endpoints this controller manages.
	LabelManagedBy = "endpoints.kubernetes.io/managed-by"
	// ControllerName is LabelManagedBy's value.
	ControllerName = "endpoint-controller"
	maxCapacity    = 1000
)

// Reconciler maintains Endpoints objects.
type Reconciler struct {
	Client client.Client
	// Reader reads without cache; the manager's API reader by default.
	Reader client.Reader
}

// SetupWithManager watches Services and pods.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Reader == nil {
		r.Reader = mgr.GetAPIReader()
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("endpoints").
		For(&corev1.Service{}).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(endpointslice.ServicesForPod(mgr.GetClient()))).
		Complete(r)
}

// Reconcile writes a Service's Endpoints.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	svc := &corev1.Service{}
	if err := r.Client.Get(ctx, req.NamespacedName, svc); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, err
		}
		// The Service is gone: so are its Endpoints, if we manage them.
		ep := &corev1.Endpoints{}
		if err := r.Reader.Get(ctx, req.NamespacedName, ep); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
		if ep.Labels[LabelManagedBy] == ControllerName {
			err := r.Client.Delete(ctx, ep, client.Preconditions{UID: &ep.UID})
			if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
				return ctrl.Result{}, err
			}
		}
		return ctrl.Result{}, nil
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName || svc.Spec.Selector == nil {
		return ctrl.Result{}, nil
	}
	pods, err := endpointslice.SelectedPods(ctx, r.Client, svc)
	if err != nil {
		return ctrl.Result{}, err
	}
	var subsets []corev1.EndpointSubset
	var trigger time.Time
	for _, pod := range pods {
		if !endpointslice.ShouldPodBeInEndpoints(pod, svc.Spec.PublishNotReadyAddresses) {
			continue
		}
		addr, ok := podAddress(svc, pod)
		if !ok {
			continue
		}
		if endpointslice.ShouldSetHostname(pod, svc) {
			addr.Hostname = pod.Spec.Hostname
		}
		ready := svc.Spec.PublishNotReadyAddresses || endpointslice.PodReady(pod)
		if len(svc.Spec.Ports) == 0 {
			if svc.Spec.ClusterIP == corev1.ClusterIPNone {
				subsets = append(subsets, subset(addr, nil, ready))
			}
		} else {
			for i := range svc.Spec.Ports {
				sp := &svc.Spec.Ports[i]
				n, err := endpointslice.FindPort(pod, sp)
				if err != nil {
					continue
				}
				subsets = append(subsets, subset(addr, &corev1.EndpointPort{Name: sp.Name, Port: int32(n), Protocol: sp.Protocol, AppProtocol: sp.AppProtocol}, ready))
			}
		}
		t := pod.CreationTimestamp.Time
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.PodReady && c.LastTransitionTime.After(t) {
				t = c.LastTransitionTime.Time
			}
		}
		if t.After(trigger) {
			trigger = t
		}
	}
	subsets = Repack(subsets)

	cur := &corev1.Endpoints{}
	err = r.Reader.Get(ctx, req.NamespacedName, cur)
	create := apierrors.IsNotFound(err)
	if err != nil && !create {
		return ctrl.Result{}, err
	}
	if create {
		cur = &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Namespace: svc.Namespace, Name: svc.Name}}
	}
	labels := map[string]string{}
	for k, v := range svc.Labels {
		labels[k] = v
	}
	if svc.Spec.ClusterIP == corev1.ClusterIPNone || svc.Spec.ClusterIP == "" {
		labels[corev1.IsHeadlessService] = ""
	} else {
		delete(labels, corev1.IsHeadlessService)
	}
	labels[LabelManagedBy] = ControllerName
	truncated := truncate(&subsets)
	if !create && equality.Semantic.DeepEqual(cur.Subsets, subsets) && equality.Semantic.DeepEqual(cur.Labels, labels) &&
		(cur.Annotations[corev1.EndpointsOverCapacity] == "truncated") == truncated {
		return ctrl.Result{}, nil
	}
	ep := cur.DeepCopy()
	ep.Subsets, ep.Labels = subsets, labels
	if ep.Annotations == nil {
		ep.Annotations = map[string]string{}
	}
	if !trigger.IsZero() {
		ep.Annotations[corev1.EndpointsLastChangeTriggerTime] = trigger.UTC().Format(time.RFC3339Nano)
	} else {
		delete(ep.Annotations, corev1.EndpointsLastChangeTriggerTime)
	}
	if truncated {
		ep.Annotations[corev1.EndpointsOverCapacity] = "truncated"
	} else {
		delete(ep.Annotations, corev1.EndpointsOverCapacity)
	}
	if create {
		err = r.Client.Create(ctx, ep)
		if apierrors.IsForbidden(err) || apierrors.IsAlreadyExists(err) {
			// Forbidden: the namespace is terminating.
			return ctrl.Result{Requeue: apierrors.IsAlreadyExists(err)}, nil
		}
	} else {
		err = r.Client.Update(ctx, ep)
		if apierrors.IsConflict(err) {
			return ctrl.Result{Requeue: true}, nil
		}
	}
	return ctrl.Result{}, err
}

func subset(addr corev1.EndpointAddress, port *corev1.EndpointPort, ready bool) corev1.EndpointSubset {
	s := corev1.EndpointSubset{}
	if port != nil {
		s.Ports = []corev1.EndpointPort{*port}
	}
	if ready {
		s.Addresses = []corev1.EndpointAddress{addr}
	} else {
		s.NotReadyAddresses = []corev1.EndpointAddress{addr}
	}
	return s
}

// podAddress is the pod's address in the Service's (first) IP family.
func podAddress(svc *corev1.Service, pod *corev1.Pod) (corev1.EndpointAddress, bool) {
	wantV6 := false
	switch {
	case len(svc.Spec.IPFamilies) > 0:
		wantV6 = svc.Spec.IPFamilies[0] == corev1.IPv6Protocol
	case svc.Spec.ClusterIP != "" && svc.Spec.ClusterIP != corev1.ClusterIPNone:
		wantV6 = strings.Contains(svc.Spec.ClusterIP, ":")
	default:
		wantV6 = strings.Contains(pod.Status.PodIP, ":")
	}
	for _, ip := range pod.Status.PodIPs {
		p := net.ParseIP(ip.IP)
		if p != nil && (p.To4() == nil) == wantV6 {
			node := pod.Spec.NodeName
			return corev1.EndpointAddress{IP: p.String(), NodeName: &node,
				TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID}}, true
		}
	}
	return corev1.EndpointAddress{}, false
}

type addrKey struct {
	ip  string
	uid types.UID
}

// Repack merges subsets so that each set of ports appears once with all
// its addresses, as upstream's RepackSubsets; addresses are sorted by IP
// and UID.
func Repack(subsets []corev1.EndpointSubset) []corev1.EndpointSubset {
	sentinel := corev1.EndpointPort{Port: -1}
	addrs := map[addrKey]corev1.EndpointAddress{}
	byPort := map[corev1.EndpointPort]map[addrKey]bool{}
	var portOrder []corev1.EndpointPort
	add := func(a corev1.EndpointAddress, port corev1.EndpointPort, ready bool) {
		k := addrKey{ip: a.IP}
		if a.TargetRef != nil {
			k.uid = a.TargetRef.UID
		}
		if _, ok := addrs[k]; !ok {
			addrs[k] = a
		}
		m, ok := byPort[port]
		if !ok {
			m = map[addrKey]bool{}
			byPort[port] = m
			portOrder = append(portOrder, port)
		}
		if was, found := m[k]; !found || was {
			m[k] = ready
		}
	}
	for _, s := range subsets {
		ports := s.Ports
		if len(ports) == 0 {
			ports = []corev1.EndpointPort{sentinel}
		}
		for _, p := range ports {
			for _, a := range s.Addresses {
				add(a, p, true)
			}
			for _, a := range s.NotReadyAddresses {
				add(a, p, false)
			}
		}
	}
	type group struct {
		set   map[addrKey]bool
		ports []corev1.EndpointPort
	}
	groups := map[string]*group{}
	var order []string
	for _, p := range portOrder {
		set := byPort[p]
		keys := make([]string, 0, len(set))
		for k, ready := range set {
			keys = append(keys, fmt.Sprintf("%s/%s/%v", k.ip, k.uid, ready))
		}
		sort.Strings(keys)
		key := strings.Join(keys, ",")
		g, ok := groups[key]
		if !ok {
			g = &group{set: set}
			groups[key] = g
			order = append(order, key)
		}
		if p.Port > 0 {
			g.ports = append(g.ports, p)
		}
	}
	out := []corev1.EndpointSubset{}
	for _, key := range order {
		g := groups[key]
		var s corev1.EndpointSubset
		for k, ready := range g.set {
			if ready {
				s.Addresses = append(s.Addresses, addrs[k])
			} else {
				s.NotReadyAddresses = append(s.NotReadyAddresses, addrs[k])
			}
		}
		sortAddrs(s.Addresses)
		sortAddrs(s.NotReadyAddresses)
		sort.Slice(g.ports, func(i, j int) bool {
			if g.ports[i].Name != g.ports[j].Name {
				return g.ports[i].Name < g.ports[j].Name
			}
			return g.ports[i].Port < g.ports[j].Port
		})
		s.Ports = g.ports
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return subsetKey(out[i]) < subsetKey(out[j]) })
	return out
}

func subsetKey(s corev1.EndpointSubset) string {
	var b strings.Builder
	for _, p := range s.Ports {
		fmt.Fprintf(&b, "%s:%d,", p.Name, p.Port)
	}
	return b.String()
}

func sortAddrs(a []corev1.EndpointAddress) {
	sort.Slice(a, func(i, j int) bool {
		if a[i].IP != a[j].IP {
			return a[i].IP < a[j].IP
		}
		if a[j].TargetRef == nil {
			return false
		}
		if a[i].TargetRef == nil {
			return true
		}
		return a[i].TargetRef.UID < a[j].TargetRef.UID
	})
}

// truncate keeps at most maxCapacity addresses, ready ones first, spread
// over the subsets proportionally as upstream; it reports whether it cut.
func truncate(subsets *[]corev1.EndpointSubset) bool {
	total := 0
	for _, s := range *subsets {
		total += len(s.Addresses) + len(s.NotReadyAddresses)
	}
	if total <= maxCapacity {
		return false
	}
	left := maxCapacity
	for i := range *subsets {
		s := &(*subsets)[i]
		n := len(s.Addresses) + len(s.NotReadyAddresses)
		keep := n * maxCapacity / total
		if i == len(*subsets)-1 {
			keep = left
		}
		keep = min(keep, n, left)
		left -= keep
		if keep <= len(s.Addresses) {
			s.Addresses, s.NotReadyAddresses = s.Addresses[:keep], nil
		} else {
			s.NotReadyAddresses = s.NotReadyAddresses[:keep-len(s.Addresses)]
		}
	}
	return true
}
