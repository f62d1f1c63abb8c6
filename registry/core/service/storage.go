// Package service serves core/v1 Services with their status subresource,
// allocating ClusterIPs (as IPAddress objects, see ipallocator) and
// NodePorts (an etcd bitmap, see portallocator) as kube-apiserver does.
package service

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/util/dryrun"

	"github.com/skiff-k8s/skiff/registry/core/service/ipallocator"
	"github.com/skiff-k8s/skiff/registry/core/service/portallocator"
	"github.com/skiff-k8s/skiff/registry/networking/ipaddress"
	"github.com/skiff-k8s/skiff/registry/subresource"
)

// REST is the services resource.
type REST struct {
	*genericregistry.Store
	IPs     *ipallocator.Allocator
	Ports   *portallocator.Allocator
	ipStore *ipaddress.REST
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// NewREST returns the services storage and services/status.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &corev1.Service{} },
		NewListFunc:               func() runtime.Object { return &corev1.ServiceList{} },
		DefaultQualifiedResource:  corev1.Resource("services"),
		SingularQualifiedResource: corev1.Resource("service"),
		ReturnDeletedObject:       true,
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		ResetFieldsStrategy:       Strategy,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}); err != nil {
		return nil, nil, err
	}
	ipStore, err := ipaddress.NewREST(optsGetter)
	if err != nil {
		return nil, nil, err
	}
	ips, err := ipallocator.New(ipallocator.ServiceCIDR, ipStore)
	if err != nil {
		return nil, nil, err
	}
	ports, err := portallocator.New(optsGetter)
	if err != nil {
		return nil, nil, err
	}
	r := &REST{Store: store, IPs: ips, Ports: ports, ipStore: ipStore}
	store.BeginCreate = r.beginCreate
	store.BeginUpdate = r.beginUpdate
	store.AfterDelete = r.afterDelete
	status := subresource.NewStatus(store, StatusStrategy)
	return r, status, nil
}

// ShortNames implements rest.ShortNamesProvider.
func (*REST) ShortNames() []string { return []string{"svc"} }

// Categories implements rest.CategoriesProvider.
func (*REST) Categories() []string { return []string{"all"} }

// Destroy stops the stores.
func (r *REST) Destroy() {
	r.Store.Destroy()
	r.ipStore.Destroy()
	r.Ports.Destroy()
}

func invalid(s *corev1.Service, errs field.ErrorList) error {
	return apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Service").GroupKind(), s.Name, errs)
}

// normalizeClusterIPs keeps clusterIP and clusterIPs in step, as upstream.
func normalizeClusterIPs(s, old *corev1.Service) {
	if old == nil {
		if s.Spec.ClusterIP != "" && len(s.Spec.ClusterIPs) == 0 {
			s.Spec.ClusterIPs = []string{s.Spec.ClusterIP}
		}
		return
	}
	if len(old.Spec.ClusterIPs) > 0 && len(s.Spec.ClusterIPs) == 0 && old.Spec.ClusterIP == s.Spec.ClusterIP {
		s.Spec.ClusterIPs = old.Spec.ClusterIPs
	}
	if old.Spec.ClusterIP != s.Spec.ClusterIP {
		same := fmt.Sprint(old.Spec.ClusterIPs) == fmt.Sprint(s.Spec.ClusterIPs)
		if old.Spec.ClusterIP != "" && s.Spec.ClusterIP == "" {
			if same {
				s.Spec.ClusterIPs = nil
			}
		} else if same {
			s.Spec.ClusterIPs = []string{s.Spec.ClusterIP}
		}
	}
}

// patchAllocatedValues keeps values allocated earlier when an update
// (kubectl apply of the original manifest) leaves them empty.
func patchAllocatedValues(s, old *corev1.Service) {
	if needsClusterIP(old) && needsClusterIP(s) {
		if s.Spec.ClusterIP == "" {
			s.Spec.ClusterIP = old.Spec.ClusterIP
		}
		if len(s.Spec.ClusterIPs) == 0 && len(old.Spec.ClusterIPs) > 0 {
			s.Spec.ClusterIPs = old.Spec.ClusterIPs
		}
	}
	if needsNodePort(old) && needsNodePort(s) {
		used := map[int32]bool{}
		oldUsed := map[int32]bool{}
		for _, p := range old.Spec.Ports {
			oldUsed[p.NodePort] = true
		}
		for _, p := range s.Spec.Ports {
			if p.NodePort != 0 && oldUsed[p.NodePort] {
				used[p.NodePort] = true
			}
		}
		byName := map[string]int32{}
		for _, p := range old.Spec.Ports {
			byName[p.Name] = p.NodePort
		}
		for i := range s.Spec.Ports {
			p := &s.Spec.Ports[i]
			if p.NodePort == 0 && !used[byName[p.Name]] {
				p.NodePort = byName[p.Name]
			}
		}
	}
	if needsHCNodePort(old) && needsHCNodePort(s) && s.Spec.HealthCheckNodePort == 0 {
		s.Spec.HealthCheckNodePort = old.Spec.HealthCheckNodePort
	}
}

// initIPFamilies defaults ipFamilyPolicy and ipFamilies for a single-stack
// cluster and rejects what such a cluster cannot serve, as upstream's
// initIPFamilyFields.
func (r *REST) initIPFamilies(s, old *corev1.Service) error {
	if s.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	family := corev1.IPFamily(r.IPs.Family())
	headlessNoSelector := s.Spec.ClusterIP == corev1.ClusterIPNone && len(s.Spec.Selector) == 0
	if s.Spec.IPFamilyPolicy == nil {
		switch {
		case old != nil && old.Spec.IPFamilyPolicy != nil:
			s.Spec.IPFamilyPolicy = old.Spec.IPFamilyPolicy
		case headlessNoSelector:
			p := corev1.IPFamilyPolicyRequireDualStack
			s.Spec.IPFamilyPolicy = &p
		default:
			p := corev1.IPFamilyPolicySingleStack
			s.Spec.IPFamilyPolicy = &p
		}
	}
	if errs := validateClusterIPsRelated(s, old); len(errs) > 0 {
		return invalid(s, errs)
	}
	var errs field.ErrorList
	policy := *s.Spec.IPFamilyPolicy
	polPath := field.NewPath("spec", "ipFamilyPolicy")
	if old != nil && policy == corev1.IPFamilyPolicySingleStack {
		if len(s.Spec.ClusterIPs) > 1 && fmt.Sprint(s.Spec.ClusterIPs) == fmt.Sprint(old.Spec.ClusterIPs) {
			s.Spec.ClusterIPs = s.Spec.ClusterIPs[:1]
		}
		if len(s.Spec.IPFamilies) > 1 && fmt.Sprint(s.Spec.IPFamilies) == fmt.Sprint(old.Spec.IPFamilies) {
			s.Spec.IPFamilies = s.Spec.IPFamilies[:1]
		}
	}
	if policy == corev1.IPFamilyPolicySingleStack {
		if len(s.Spec.ClusterIPs) == 2 {
			errs = append(errs, field.Invalid(polPath, s.Spec.IPFamilyPolicy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"))
		}
		if len(s.Spec.IPFamilies) == 2 {
			errs = append(errs, field.Invalid(polPath, s.Spec.IPFamilyPolicy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"))
		}
	}
	for i, ip := range s.Spec.ClusterIPs {
		if ip == corev1.ClusterIPNone {
			break
		}
		fam := corev1.IPv4Protocol
		if is6(ip) {
			fam = corev1.IPv6Protocol
		}
		if i >= len(s.Spec.IPFamilies) {
			if fam != family {
				errs = append(errs, field.Invalid(field.NewPath("spec", "clusterIPs").Index(i), s.Spec.ClusterIPs, fmt.Sprintf("%s is not configured on this cluster", fam)))
			} else {
				s.Spec.IPFamilies = append(s.Spec.IPFamilies, fam)
			}
		}
	}
	if len(errs) > 0 {
		return invalid(s, errs)
	}
	if headlessNoSelector {
		if len(s.Spec.IPFamilies) == 0 {
			s.Spec.IPFamilies = []corev1.IPFamily{family}
		}
		if len(s.Spec.IPFamilies) < 2 && policy != corev1.IPFamilyPolicySingleStack {
			other := corev1.IPv6Protocol
			if s.Spec.IPFamilies[0] == corev1.IPv6Protocol {
				other = corev1.IPv4Protocol
			}
			s.Spec.IPFamilies = append(s.Spec.IPFamilies, other)
		}
		return nil
	}
	if policy == corev1.IPFamilyPolicyRequireDualStack {
		errs = append(errs, field.Invalid(polPath, s.Spec.IPFamilyPolicy, "this cluster is not configured for dual-stack services"))
	}
	for i, f := range s.Spec.IPFamilies {
		if f != family {
			errs = append(errs, field.Invalid(field.NewPath("spec", "ipFamilies").Index(i), f, "not configured on this cluster"))
		}
	}
	if len(errs) > 0 {
		return invalid(s, errs)
	}
	if len(s.Spec.IPFamilies) == 0 {
		s.Spec.IPFamilies = []corev1.IPFamily{family}
	}
	return nil
}

// txn records what an operation allocated (undone on failure) and what it
// frees (released on success).
type txn struct {
	r                    *REST
	dryRun               bool
	newIP, oldIP         netip.Addr
	newPorts, freedPorts []int
}

func (t *txn) finish(_ context.Context, success bool) {
	if t.dryRun {
		return
	}
	ctx := context.Background()
	if success {
		if t.oldIP.IsValid() {
			_ = t.r.IPs.Release(ctx, t.oldIP)
		}
		_ = t.r.Ports.Release(ctx, t.freedPorts...)
		return
	}
	if t.newIP.IsValid() {
		_ = t.r.IPs.Release(ctx, t.newIP)
	}
	_ = t.r.Ports.Release(ctx, t.newPorts...)
}

func (r *REST) allocateIP(ctx context.Context, s *corev1.Service, t *txn) error {
	if !needsClusterIP(s) || isHeadless(s) {
		return nil
	}
	owner := ipallocator.Owner{Namespace: s.Namespace, Name: s.Name}
	if ns, ok := genericapirequest.NamespaceFrom(ctx); ok && owner.Namespace == "" {
		owner.Namespace = ns
	}
	if s.Spec.ClusterIP == "" {
		ip, err := r.IPs.AllocateNext(ctx, owner, t.dryRun)
		if errors.Is(err, ipallocator.ErrFull) {
			return apierrors.NewInternalError(fmt.Errorf("failed to allocate a serviceIP for Service %q: %w", s.Name, err))
		}
		if err != nil {
			return err
		}
		t.newIP = ip
		s.Spec.ClusterIP = ip.String()
		s.Spec.ClusterIPs = []string{ip.String()}
		return nil
	}
	ip, err := netip.ParseAddr(s.Spec.ClusterIP)
	if err != nil {
		return nil // validation reports it
	}
	err = r.IPs.Allocate(ctx, ip.Unmap(), owner, t.dryRun)
	var notInRange *ipallocator.ErrNotInRange
	if errors.Is(err, ipallocator.ErrAllocated) || errors.As(err, &notInRange) {
		return invalid(s, field.ErrorList{field.Invalid(field.NewPath("spec", "clusterIPs"), s.Spec.ClusterIPs,
			fmt.Sprintf("failed to allocate IP %v: %v", s.Spec.ClusterIP, err))})
	}
	if err != nil {
		return err
	}
	t.newIP = ip.Unmap()
	return nil
}

// allocatePorts gives every port of s a NodePort (reusing the one of a
// port with the same number and another protocol) and, when needed, a
// health-check port. held are the ports s already owns (on update).
func (r *REST) allocatePorts(ctx context.Context, s *corev1.Service, held map[int]bool, t *txn) error {
	wantNode, wantHC := needsNodePort(s), needsHCNodePort(s)
	if !wantNode && !wantHC {
		return nil
	}
	var nodePorts []int32
	var hc int32
	var newPorts []int
	err := r.Ports.Update(ctx, t.dryRun, func(b *portallocator.Bitmap) error {
		nodePorts, hc, newPorts = make([]int32, len(s.Spec.Ports)), s.Spec.HealthCheckNodePort, nil
		var errs field.ErrorList
		taken := map[int]bool{}
		take := func(port int, path *field.Path) bool {
			if held[port] || taken[port] {
				taken[port] = true
				return true
			}
			if !b.InRange(port) {
				errs = append(errs, field.Invalid(path, port, fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %s", r.Ports.Range())))
				return false
			}
			if b.Has(port) {
				errs = append(errs, field.Invalid(path, port, "provided port is already allocated"))
				return false
			}
			b.Set(port)
			taken[port] = true
			newPorts = append(newPorts, port)
			return true
		}
		next := func() int32 {
			p, ok := b.Next()
			if !ok {
				errs = append(errs, field.InternalError(field.NewPath("spec", "ports"), errors.New("range is full")))
				return 0
			}
			taken[p] = true
			newPorts = append(newPorts, p)
			return int32(p)
		}
		if wantNode {
			byPort := map[int32]int32{}
			for i, p := range s.Spec.Ports {
				if p.NodePort != 0 {
					take(int(p.NodePort), field.NewPath("spec", "ports").Index(i).Child("nodePort"))
					nodePorts[i] = p.NodePort
					byPort[p.Port] = p.NodePort
				}
			}
			for i, p := range s.Spec.Ports {
				if p.NodePort != 0 {
					continue
				}
				if np, ok := byPort[p.Port]; ok {
					nodePorts[i] = np
					continue
				}
				nodePorts[i] = next()
				byPort[p.Port] = nodePorts[i]
			}
		}
		if wantHC {
			if hc != 0 {
				take(int(hc), field.NewPath("spec", "healthCheckNodePort"))
			} else {
				hc = next()
			}
		}
		if len(errs) > 0 {
			return invalid(s, errs)
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.newPorts = newPorts
	if wantNode {
		for i := range s.Spec.Ports {
			s.Spec.Ports[i].NodePort = nodePorts[i]
		}
	}
	s.Spec.HealthCheckNodePort = hc
	return nil
}

func ownedPorts(s *corev1.Service) map[int]bool {
	out := map[int]bool{}
	if needsNodePort(s) {
		for _, p := range s.Spec.Ports {
			if p.NodePort != 0 {
				out[int(p.NodePort)] = true
			}
		}
	}
	if needsHCNodePort(s) && s.Spec.HealthCheckNodePort != 0 {
		out[int(s.Spec.HealthCheckNodePort)] = true
	}
	return out
}

func (r *REST) beginCreate(ctx context.Context, obj runtime.Object, options *metav1.CreateOptions) (genericregistry.FinishFunc, error) {
	s := obj.(*corev1.Service)
	normalizeClusterIPs(s, nil)
	if err := r.initIPFamilies(s, nil); err != nil {
		return nil, err
	}
	t := &txn{r: r, dryRun: dryrun.IsDryRun(options.DryRun)}
	if err := r.allocateIP(ctx, s, t); err != nil {
		return nil, err
	}
	if err := r.allocatePorts(ctx, s, nil, t); err != nil {
		t.finish(ctx, false)
		return nil, err
	}
	return t.finish, nil
}

func (r *REST) beginUpdate(ctx context.Context, obj, oldObj runtime.Object, options *metav1.UpdateOptions) (genericregistry.FinishFunc, error) {
	s, old := obj.(*corev1.Service), oldObj.(*corev1.Service)
	patchAllocatedValues(s, old)
	normalizeClusterIPs(s, old)
	dropTypeDependentFields(s, old)
	if err := r.initIPFamilies(s, old); err != nil {
		return nil, err
	}
	t := &txn{r: r, dryRun: dryrun.IsDryRun(options.DryRun)}
	oldHasIP := needsClusterIP(old) && !isHeadless(old) && old.Spec.ClusterIP != ""
	switch {
	case needsClusterIP(s) && !isHeadless(s) && !oldHasIP:
		if err := r.allocateIP(ctx, s, t); err != nil {
			return nil, err
		}
	case !needsClusterIP(s) && oldHasIP:
		if ip, err := netip.ParseAddr(old.Spec.ClusterIP); err == nil {
			t.oldIP = ip.Unmap()
		}
	}
	held := ownedPorts(old)
	if err := r.allocatePorts(ctx, s, held, t); err != nil {
		t.finish(ctx, false)
		return nil, err
	}
	still := ownedPorts(s)
	for p := range held {
		if !still[p] {
			t.freedPorts = append(t.freedPorts, p)
		}
	}
	return t.finish, nil
}

func (r *REST) afterDelete(obj runtime.Object, options *metav1.DeleteOptions) {
	if dryrun.IsDryRun(options.DryRun) {
		return
	}
	s := obj.(*corev1.Service)
	ctx := context.Background()
	if needsClusterIP(s) {
		for _, v := range s.Spec.ClusterIPs {
			if ip, err := netip.ParseAddr(v); err == nil && r.IPs.CIDR().Contains(ip.Unmap()) {
				_ = r.IPs.Release(ctx, ip.Unmap())
			}
		}
	}
	var ports []int
	for p := range ownedPorts(s) {
		ports = append(ports, p)
	}
	_ = r.Ports.Release(ctx, ports...)
}
