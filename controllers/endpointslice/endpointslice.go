// Package endpointslice keeps an EndpointSlice set for every Service with
// a selector, from the Service's pods and their readiness, as
// kube-controller-manager's endpointslice controller does: one slice set
// per address family and per resolved port set (named targetPorts may
// resolve differently per pod), at most MaxEndpointsPerSlice endpoints per
// slice, ready/serving/terminating conditions, publishNotReadyAddresses,
// hostnames for pods whose subdomain is the Service, node names and zones,
// a placeholder slice when there are no endpoints, and the labels
// kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by.
package endpointslice

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
)

// ControllerName is the managed-by label value of the slices it owns.
const ControllerName = "endpointslice-controller.k8s.io"

// MaxEndpointsPerSlice is upstream's default --max-endpoints-per-slice.
var MaxEndpointsPerSlice = 100

// Reconciler maintains the EndpointSlices of Services.
type Reconciler struct {
	Client client.Client
	// Reader reads without cache; the manager's API reader by default.
	Reader client.Reader
}

// SetupWithManager watches Services, their pods and their slices.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Reader == nil {
		r.Reader = mgr.GetAPIReader()
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("endpointslice").
		For(&corev1.Service{}).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(ServicesForPod(mgr.GetClient()))).
		Watches(&discoveryv1.EndpointSlice{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []ctrl.Request {
			l := o.GetLabels()
			if l[discoveryv1.LabelManagedBy] != ControllerName || l[discoveryv1.LabelServiceName] == "" {
				return nil
			}
			return []ctrl.Request{{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: l[discoveryv1.LabelServiceName]}}}
		})).
		Complete(r)
}

// ServicesForPod maps a pod to the Services in its namespace that select it.
func ServicesForPod(c client.Client) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []ctrl.Request {
		list := &corev1.ServiceList{}
		if err := c.List(ctx, list, client.InNamespace(o.GetNamespace())); err != nil {
			return nil
		}
		var out []ctrl.Request
		for _, s := range list.Items {
			if s.Spec.Selector != nil && labels.SelectorFromValidatedSet(s.Spec.Selector).Matches(labels.Set(o.GetLabels())) {
				out = append(out, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(&s)})
			}
		}
		return out
	}
}

// SelectedPods lists the pods a Service selects.
func SelectedPods(ctx context.Context, c client.Reader, svc *corev1.Service) ([]*corev1.Pod, error) {
	list := &corev1.PodList{}
	if err := c.List(ctx, list, client.InNamespace(svc.Namespace),
		client.MatchingLabelsSelector{Selector: labels.SelectorFromValidatedSet(svc.Spec.Selector)}); err != nil {
		return nil, err
	}
	out := make([]*corev1.Pod, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Reconcile brings a Service's slices up to date.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	svc := &corev1.Service{}
	if err := r.Client.Get(ctx, req.NamespacedName, svc); err != nil {
		// Deleted Services lose their slices through ownerReferences.
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName || svc.Spec.Selector == nil || svc.DeletionTimestamp != nil {
		return ctrl.Result{}, nil
	}
	pods, err := SelectedPods(ctx, r.Client, svc)
	if err != nil {
		return ctrl.Result{}, err
	}
	existing := &discoveryv1.EndpointSliceList{}
	if err := r.Reader.List(ctx, existing, client.InNamespace(svc.Namespace), client.MatchingLabels{
		discoveryv1.LabelServiceName: svc.Name, discoveryv1.LabelManagedBy: ControllerName}); err != nil {
		return ctrl.Result{}, err
	}
	missingNode := false
	byType := map[discoveryv1.AddressType][]*discoveryv1.EndpointSlice{}
	var toDelete []*discoveryv1.EndpointSlice
	types := addressTypes(svc)
	for i := range existing.Items {
		s := &existing.Items[i]
		if !has(types, s.AddressType) || !ownedBy(s, svc) {
			toDelete = append(toDelete, s)
			continue
		}
		byType[s.AddressType] = append(byType[s.AddressType], s)
	}
	for _, at := range types {
		missing, err := r.reconcileType(ctx, svc, pods, byType[at], at)
		if err != nil {
			return ctrl.Result{}, err
		}
		missingNode = missingNode || missing
	}
	for _, s := range toDelete {
		if err := r.Client.Delete(ctx, s); err != nil && !apierrors.IsNotFound(err) {
			return ctrl.Result{}, err
		}
	}
	if missingNode {
		return ctrl.Result{RequeueAfter: time.Second}, nil
	}
	return ctrl.Result{}, nil
}

type group struct {
	ports     []discoveryv1.EndpointPort
	endpoints []discoveryv1.Endpoint
}

func (r *Reconciler) reconcileType(ctx context.Context, svc *corev1.Service, pods []*corev1.Pod, existing []*discoveryv1.EndpointSlice, at discoveryv1.AddressType) (bool, error) {
	groups := map[string]*group{}
	var keys []string
	missingNode := false
	var trigger time.Time
	for _, pod := range pods {
		if !ShouldPodBeInEndpoints(pod, true) {
			continue
		}
		ports := endpointPorts(svc, pod)
		key := portKey(ports)
		g, ok := groups[key]
		if !ok {
			g = &group{ports: ports}
			groups[key] = g
			keys = append(keys, key)
		}
		node := &corev1.Node{}
		if err := r.Client.Get(ctx, client.ObjectKey{Name: pod.Spec.NodeName}, node); err != nil {
			if !apierrors.IsNotFound(err) {
				return false, err
			}
			node = nil
			if !svc.Spec.PublishNotReadyAddresses {
				missingNode = true
				continue
			}
		}
		ep := podToEndpoint(pod, node, svc, at)
		if len(ep.Addresses) > 0 {
			g.endpoints = append(g.endpoints, ep)
			if t := podChangeTime(pod); t.After(trigger) {
				trigger = t
			}
		}
	}
	sort.Strings(keys)
	existingByKey := map[string][]*discoveryv1.EndpointSlice{}
	for _, s := range existing {
		k := portKey(s.Ports)
		existingByKey[k] = append(existingByKey[k], s)
	}
	var want []*discoveryv1.EndpointSlice
	reused := map[string]bool{}
	for _, k := range keys {
		g := groups[k]
		olds := existingByKey[k]
		sort.Slice(olds, func(i, j int) bool { return olds[i].Name < olds[j].Name })
		for i := 0; i == 0 || i*MaxEndpointsPerSlice < len(g.endpoints); i++ {
			chunk := g.endpoints[i*MaxEndpointsPerSlice : min(len(g.endpoints), (i+1)*MaxEndpointsPerSlice)]
			if len(chunk) == 0 && len(groups) > 1 {
				// A port set without endpoints needs no slice of its own.
				break
			}
			var s *discoveryv1.EndpointSlice
			if i < len(olds) {
				s = olds[i].DeepCopy()
				reused[olds[i].Name] = true
			} else {
				s = newSlice(svc, at)
			}
			s.Ports = g.ports
			s.Endpoints = chunk
			want = append(want, s)
		}
	}
	if len(want) == 0 {
		// A placeholder slice says the Service has no endpoints.
		var s *discoveryv1.EndpointSlice
		if len(existing) > 0 {
			sort.Slice(existing, func(i, j int) bool { return existing[i].Name < existing[j].Name })
			s = existing[0].DeepCopy()
			reused[s.Name] = true
		} else {
			s = newSlice(svc, at)
		}
		s.Ports, s.Endpoints = []discoveryv1.EndpointPort{}, []discoveryv1.Endpoint{}
		want = append(want, s)
	}
	oldByName := map[string]*discoveryv1.EndpointSlice{}
	for _, s := range existing {
		oldByName[s.Name] = s
	}
	for _, s := range want {
		s.Labels = sliceLabels(s.Labels, svc)
		if s.Name == "" {
			setTrigger(s, trigger)
			if err := r.Client.Create(ctx, s); err != nil {
				if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
					return missingNode, nil
				}
				return missingNode, err
			}
			continue
		}
		old := oldByName[s.Name]
		if equality.Semantic.DeepEqual(old.Endpoints, s.Endpoints) && equality.Semantic.DeepEqual(old.Ports, s.Ports) &&
			equality.Semantic.DeepEqual(old.Labels, s.Labels) {
			continue
		}
		setTrigger(s, trigger)
		if err := r.Client.Update(ctx, s); err != nil {
			return missingNode, err
		}
	}
	for _, s := range existing {
		if !reused[s.Name] {
			if err := r.Client.Delete(ctx, s); err != nil && !apierrors.IsNotFound(err) {
				return missingNode, err
			}
		}
	}
	return missingNode, nil
}

func setTrigger(s *discoveryv1.EndpointSlice, t time.Time) {
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	if t.IsZero() {
		delete(s.Annotations, corev1.EndpointsLastChangeTriggerTime)
		return
	}
	s.Annotations[corev1.EndpointsLastChangeTriggerTime] = t.UTC().Format(time.RFC3339Nano)
}

// podChangeTime approximates upstream's trigger time: when the pod last
// changed in a way that matters for endpoints.
func podChangeTime(p *corev1.Pod) time.Time {
	t := p.CreationTimestamp.Time
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.LastTransitionTime.After(t) {
			t = c.LastTransitionTime.Time
		}
	}
	return t
}

func newSlice(svc *corev1.Service, at discoveryv1.AddressType) *discoveryv1.EndpointSlice {
	prefix := svc.Name + "-"
	if len(prefix) > 253 {
		prefix = svc.Name
	}
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: svc.Namespace, GenerateName: prefix,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(svc, corev1.SchemeGroupVersion.WithKind("Service"))},
		},
		AddressType: at,
	}
}

// sliceLabels are the Service's labels (but the reserved ones), plus the
// headless marker, service name and managed-by.
func sliceLabels(current map[string]string, svc *corev1.Service) map[string]string {
	out := map[string]string{}
	for k, v := range svc.Labels {
		if k == discoveryv1.LabelServiceName || k == discoveryv1.LabelManagedBy || k == corev1.IsHeadlessService {
			continue
		}
		out[k] = v
	}
	if !serviceIPSet(svc) {
		out[corev1.IsHeadlessService] = ""
	}
	out[discoveryv1.LabelServiceName] = svc.Name
	out[discoveryv1.LabelManagedBy] = ControllerName
	return out
}

func serviceIPSet(svc *corev1.Service) bool {
	return svc.Spec.ClusterIP != corev1.ClusterIPNone && svc.Spec.ClusterIP != ""
}

func ownedBy(s *discoveryv1.EndpointSlice, svc *corev1.Service) bool {
	for _, o := range s.OwnerReferences {
		if o.UID == svc.UID && o.Kind == "Service" && o.APIVersion == "v1" {
			return true
		}
	}
	return false
}

// addressTypes are the address families of a Service's slices.
func addressTypes(svc *corev1.Service) []discoveryv1.AddressType {
	var out []discoveryv1.AddressType
	for _, f := range svc.Spec.IPFamilies {
		if f == corev1.IPv6Protocol {
			out = append(out, discoveryv1.AddressTypeIPv6)
		} else {
			out = append(out, discoveryv1.AddressTypeIPv4)
		}
	}
	if len(out) == 0 {
		ips := svc.Spec.ClusterIPs
		if len(ips) == 0 && svc.Spec.ClusterIP != "" {
			ips = []string{svc.Spec.ClusterIP}
		}
		for _, ip := range ips {
			if p := net.ParseIP(ip); p != nil {
				if p.To4() == nil {
					out = append(out, discoveryv1.AddressTypeIPv6)
				} else {
					out = append(out, discoveryv1.AddressTypeIPv4)
				}
			}
		}
	}
	if len(out) == 0 {
		out = []discoveryv1.AddressType{discoveryv1.AddressTypeIPv4}
	}
	return out
}

func has(list []discoveryv1.AddressType, t discoveryv1.AddressType) bool {
	for _, v := range list {
		if v == t {
			return true
		}
	}
	return false
}

// ShouldPodBeInEndpoints is upstream's: not terminal, has an IP and,
// unless terminating pods are wanted, is not being deleted.
func ShouldPodBeInEndpoints(pod *corev1.Pod, includeTerminating bool) bool {
	if pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded {
		return false
	}
	if pod.Status.PodIP == "" && len(pod.Status.PodIPs) == 0 {
		return false
	}
	return includeTerminating || pod.DeletionTimestamp == nil
}

// ShouldSetHostname reports whether an endpoint gets the pod's hostname.
func ShouldSetHostname(pod *corev1.Pod, svc *corev1.Service) bool {
	return pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name && svc.Namespace == pod.Namespace
}

// PodReady reports the pod's Ready condition.
func PodReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// FindPort resolves a Service port's targetPort on a pod, by name among
// the containers' (and sidecars') ports.
func FindPort(pod *corev1.Pod, sp *corev1.ServicePort) (int, error) {
	switch sp.TargetPort.Type {
	case intstr.String:
		name := sp.TargetPort.StrVal
		for _, c := range pod.Spec.Containers {
			for _, p := range c.Ports {
				if p.Name == name && p.Protocol == sp.Protocol {
					return int(p.ContainerPort), nil
				}
			}
		}
		for _, c := range pod.Spec.InitContainers {
			if c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
				continue
			}
			for _, p := range c.Ports {
				if p.Name == name && p.Protocol == sp.Protocol {
					return int(p.ContainerPort), nil
				}
			}
		}
	case intstr.Int:
		return sp.TargetPort.IntValue(), nil
	}
	return 0, fmt.Errorf("no suitable port for manifest: %s", pod.UID)
}

func endpointPorts(svc *corev1.Service, pod *corev1.Pod) []discoveryv1.EndpointPort {
	out := []discoveryv1.EndpointPort{}
	if len(svc.Spec.Ports) == 0 && svc.Spec.ClusterIP == corev1.ClusterIPNone {
		return out
	}
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		n, err := FindPort(pod, sp)
		if err != nil {
			continue
		}
		name, port, proto := sp.Name, int32(n), sp.Protocol
		out = append(out, discoveryv1.EndpointPort{Name: &name, Port: &port, Protocol: &proto, AppProtocol: sp.AppProtocol})
	}
	return out
}

func portKey(ports []discoveryv1.EndpointPort) string {
	parts := make([]string, 0, len(ports))
	for _, p := range ports {
		parts = append(parts, fmt.Sprintf("%s/%d/%s/%s", deref(p.Name), deref(p.Port), deref(p.Protocol), deref(p.AppProtocol)))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func podToEndpoint(pod *corev1.Pod, node *corev1.Node, svc *corev1.Service, at discoveryv1.AddressType) discoveryv1.Endpoint {
	serving := PodReady(pod)
	terminating := pod.DeletionTimestamp != nil
	ready := svc.Spec.PublishNotReadyAddresses || (serving && !terminating)
	ep := discoveryv1.Endpoint{
		Addresses:  []string{},
		Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
		TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	for _, ip := range pod.Status.PodIPs {
		p := net.ParseIP(ip.IP)
		if p == nil {
			continue
		}
		if v6 := p.To4() == nil; v6 == (at == discoveryv1.AddressTypeIPv6) {
			ep.Addresses = append(ep.Addresses, p.String())
		}
	}
	if pod.Spec.NodeName != "" {
		n := pod.Spec.NodeName
		ep.NodeName = &n
	}
	if node != nil && node.Labels[corev1.LabelTopologyZone] != "" {
		z := node.Labels[corev1.LabelTopologyZone]
		ep.Zone = &z
	}
	if ShouldSetHostname(pod, svc) {
		h := pod.Spec.Hostname
		ep.Hostname = &h
	}
	return ep
}
