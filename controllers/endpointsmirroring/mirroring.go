// Package endpointsmirroring mirrors the Endpoints of Services without a
// selector into EndpointSlices, as kube-controller-manager's
// endpointslicemirroring controller does: slices owned by the Endpoints,
// with its labels and annotations (but the trigger time and
// last-applied-configuration), kubernetes.io/service-name and
// endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io;
// at most MaxEndpointsPerSubset addresses per subset. Endpoints labelled
// endpointslice.kubernetes.io/skip-mirror=true or carrying a leader
// election record are not mirrored.
package endpointsmirroring

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	"github.com/skiff-k8s/skiff/controllers/endpoints"
)

// ControllerName is the managed-by label value of mirrored slices.
const ControllerName = "endpointslicemirroring-controller.k8s.io"

const leaderAnnotation = "control-plane.alpha.kubernetes.io/leader"

var (
	// MaxEndpointsPerSubset is upstream's --mirroring-max-endpoints-per-subset.
	MaxEndpointsPerSubset = 1000
	// MaxEndpointsPerSlice is how many endpoints a mirrored slice holds.
	MaxEndpointsPerSlice = 100
)

// Reconciler mirrors Endpoints to EndpointSlices.
type Reconciler struct {
	Client client.Client
	// Reader reads without cache; the manager's API reader by default.
	Reader client.Reader
}

// SetupWithManager watches Endpoints, Services and mirrored slices.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Reader == nil {
		r.Reader = mgr.GetAPIReader()
	}
	same := handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []ctrl.Request {
		return []ctrl.Request{{NamespacedName: client.ObjectKeyFromObject(o)}}
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("endpointslicemirroring").
		For(&corev1.Endpoints{}).
		Watches(&corev1.Service{}, same).
		Watches(&discoveryv1.EndpointSlice{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []ctrl.Request {
			l := o.GetLabels()
			if l[discoveryv1.LabelManagedBy] != ControllerName || l[discoveryv1.LabelServiceName] == "" {
				return nil
			}
			return []ctrl.Request{{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: l[discoveryv1.LabelServiceName]}}}
		})).
		Complete(r)
}

// Reconcile mirrors one Endpoints object.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	existing := &discoveryv1.EndpointSliceList{}
	if err := r.Reader.List(ctx, existing, client.InNamespace(req.Namespace), client.MatchingLabels{
		discoveryv1.LabelServiceName: req.Name, discoveryv1.LabelManagedBy: ControllerName}); err != nil {
		return ctrl.Result{}, err
	}
	ep := &corev1.Endpoints{}
	err := r.Client.Get(ctx, req.NamespacedName, ep)
	if err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, err
	}
	mirror := err == nil && ep.Labels[discoveryv1.LabelSkipMirror] != "true" && ep.Annotations[leaderAnnotation] == ""
	if mirror {
		svc := &corev1.Service{}
		if err := r.Client.Get(ctx, req.NamespacedName, svc); err != nil {
			if !apierrors.IsNotFound(err) {
				return ctrl.Result{}, err
			}
			mirror = false
		} else if svc.Spec.Selector != nil {
			mirror = false
		}
	}
	var want []*discoveryv1.EndpointSlice
	if mirror {
		want = desired(ep)
	}
	return ctrl.Result{}, r.apply(ctx, want, existing.Items)
}

// desired computes the mirrored slices of ep (names unset).
func desired(ep *corev1.Endpoints) []*discoveryv1.EndpointSlice {
	type group struct {
		ports     []discoveryv1.EndpointPort
		at        discoveryv1.AddressType
		endpoints []discoveryv1.Endpoint
	}
	groups := map[string]*group{}
	var order []string
	for _, s := range endpoints.Repack(ep.Subsets) {
		ports := make([]discoveryv1.EndpointPort, 0, len(s.Ports))
		for _, p := range s.Ports {
			name, port, proto := p.Name, p.Port, p.Protocol
			ports = append(ports, discoveryv1.EndpointPort{Name: &name, Port: &port, Protocol: &proto, AppProtocol: p.AppProtocol})
		}
		added := 0
		add := func(a corev1.EndpointAddress, ready bool) {
			if added >= MaxEndpointsPerSubset {
				return
			}
			ip := net.ParseIP(a.IP)
			if ip == nil {
				return
			}
			at := discoveryv1.AddressTypeIPv4
			if ip.To4() == nil {
				at = discoveryv1.AddressTypeIPv6
			}
			r := ready
			e := discoveryv1.Endpoint{Addresses: []string{ip.String()}, Conditions: discoveryv1.EndpointConditions{Ready: &r},
				TargetRef: a.TargetRef, NodeName: a.NodeName}
			if a.Hostname != "" {
				h := a.Hostname
				e.Hostname = &h
			}
			key := string(at) + "|" + portsKey(ports)
			g, ok := groups[key]
			if !ok {
				g = &group{ports: ports, at: at}
				groups[key] = g
				order = append(order, key)
			}
			g.endpoints = append(g.endpoints, e)
			added++
		}
		for _, a := range s.Addresses {
			add(a, true)
		}
		for _, a := range s.NotReadyAddresses {
			add(a, false)
		}
	}
	sort.Strings(order)
	var out []*discoveryv1.EndpointSlice
	for _, k := range order {
		g := groups[k]
		for i := 0; i*MaxEndpointsPerSlice < len(g.endpoints); i++ {
			s := &discoveryv1.EndpointSlice{
				ObjectMeta: metav1.ObjectMeta{
					Namespace: ep.Namespace, GenerateName: ep.Name + "-",
					Labels: map[string]string{}, Annotations: map[string]string{},
					OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ep, corev1.SchemeGroupVersion.WithKind("Endpoints"))},
				},
				AddressType: g.at, Ports: g.ports,
				Endpoints: g.endpoints[i*MaxEndpointsPerSlice : min(len(g.endpoints), (i+1)*MaxEndpointsPerSlice)],
			}
			for k, v := range ep.Labels {
				s.Labels[k] = v
			}
			s.Labels[discoveryv1.LabelServiceName] = ep.Name
			s.Labels[discoveryv1.LabelManagedBy] = ControllerName
			for k, v := range ep.Annotations {
				if k != corev1.EndpointsLastChangeTriggerTime && k != corev1.LastAppliedConfigAnnotation {
					s.Annotations[k] = v
				}
			}
			out = append(out, s)
		}
	}
	return out
}

func portsKey(ports []discoveryv1.EndpointPort) string {
	parts := make([]string, 0, len(ports))
	for _, p := range ports {
		ap := ""
		if p.AppProtocol != nil {
			ap = *p.AppProtocol
		}
		parts = append(parts, fmt.Sprintf("%s/%d/%s/%s", *p.Name, *p.Port, *p.Protocol, ap))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// apply reuses existing slices of the same address type and ports, creates
// the missing ones and deletes the rest.
func (r *Reconciler) apply(ctx context.Context, want []*discoveryv1.EndpointSlice, existing []discoveryv1.EndpointSlice) error {
	sort.Slice(existing, func(i, j int) bool { return existing[i].Name < existing[j].Name })
	used := map[string]bool{}
	for _, w := range want {
		var match *discoveryv1.EndpointSlice
		for i := range existing {
			e := &existing[i]
			if !used[e.Name] && e.AddressType == w.AddressType && portsKey(e.Ports) == portsKey(w.Ports) {
				match = e
				break
			}
		}
		if match == nil {
			if err := r.Client.Create(ctx, w); err != nil && !apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
				return err
			}
			continue
		}
		used[match.Name] = true
		if equality.Semantic.DeepEqual(match.Endpoints, w.Endpoints) && equality.Semantic.DeepEqual(match.Labels, w.Labels) &&
			equality.Semantic.DeepEqual(match.Annotations, w.Annotations) && equality.Semantic.DeepEqual(match.OwnerReferences, w.OwnerReferences) {
			continue
		}
		u := match.DeepCopy()
		u.Labels, u.Annotations, u.OwnerReferences, u.Endpoints, u.Ports = w.Labels, w.Annotations, w.OwnerReferences, w.Endpoints, w.Ports
		if err := r.Client.Update(ctx, u); err != nil {
			return err
		}
	}
	for i := range existing {
		if !used[existing[i].Name] {
			if err := r.Client.Delete(ctx, &existing[i]); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
		}
	}
	return nil
}
