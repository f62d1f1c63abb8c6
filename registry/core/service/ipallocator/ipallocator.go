// Package ipallocator allocates Service ClusterIPs from a service CIDR the
// way kube-apiserver's MultiCIDRServiceAllocator does: every allocated IP is
// a networking.k8s.io/v1 IPAddress object named by the IP. etcd creates an
// object only if its key is free, so two concurrent allocations of one IP
// cannot both succeed, whatever the number of API servers.
package ipallocator

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
)

// ServiceCIDR is the range ClusterIPs are allocated from (kubeadm's default;
// kube-apiserver's own default is 10.0.0.0/24, k3s's 10.43.0.0/16). It is
// read when the services storage is built, so a flag may set it first.
var ServiceCIDR = "10.96.0.0/12"

// DefaultServiceCIDRName is the name of the ServiceCIDR object describing
// ServiceCIDR, as upstream's default-servicecidr controller names it.
const DefaultServiceCIDRName = "kubernetes"

// ManagedBy is the value of the ipaddress.kubernetes.io/managed-by label on
// the IPAddresses the allocator creates.
const ManagedBy = "ipallocator.k8s.io"

var (
	// ErrFull is returned when no IP of the range is free.
	ErrFull = errors.New("range is full")
	// ErrAllocated is returned when a requested IP is in use.
	ErrAllocated = errors.New("provided IP is already allocated")
)

// ErrNotInRange is returned for a requested IP outside the range.
type ErrNotInRange struct {
	IP         netip.Addr
	ValidRange string
}

func (e *ErrNotInRange) Error() string {
	return fmt.Sprintf("the provided IP (%v) is not in the valid range. The range of valid IPs is %s", e.IP, e.ValidRange)
}

// Store is what the allocator needs of the ipaddresses storage.
type Store interface {
	rest.Creater
	rest.Getter
	rest.GracefulDeleter
}

// Allocator hands out the IPs of one CIDR.
type Allocator struct {
	prefix netip.Prefix
	store  Store
	// usable offsets from the network address are [lo, hi); the first
	// `band` of them are preferred for static (user-chosen) IPs, so dynamic
	// allocation tries the rest first, as upstream.
	lo, hi, band uint64
}

// New returns an allocator for cidr storing its IPAddresses in store.
func New(cidr string, store Store) (*Allocator, error) {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("service CIDR %q: %w", cidr, err)
	}
	prefix = prefix.Masked()
	hostBits := prefix.Addr().BitLen() - prefix.Bits()
	if hostBits < 2 {
		return nil, fmt.Errorf("service CIDR %q is too small", cidr)
	}
	if hostBits > 20 {
		hostBits = 20 // enough for anybody; keeps offsets small
	}
	size := uint64(1) << hostBits
	a := &Allocator{prefix: prefix, store: store, lo: 1, hi: size}
	if prefix.Addr().Is4() {
		a.hi = size - 1 // no broadcast address
	}
	a.band = min(max(16, size/16), 256)
	return a, nil
}

// CIDR returns the range.
func (a *Allocator) CIDR() netip.Prefix { return a.prefix }

// Family returns the IP family of the range.
func (a *Allocator) Family() string {
	if a.prefix.Addr().Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// Index returns the n-th address of the range (1 is the first usable one,
// the kubernetes Service's ClusterIP).
func (a *Allocator) Index(n uint64) netip.Addr {
	base := new(big.Int).SetBytes(a.prefix.Addr().AsSlice())
	base.Add(base, new(big.Int).SetUint64(n))
	b := base.Bytes()
	out := make([]byte, a.prefix.Addr().BitLen()/8)
	copy(out[len(out)-len(b):], b)
	addr, _ := netip.AddrFromSlice(out)
	return addr
}

func (a *Allocator) offset(ip netip.Addr) (uint64, bool) {
	if !a.prefix.Contains(ip) {
		return 0, false
	}
	d := new(big.Int).Sub(new(big.Int).SetBytes(ip.AsSlice()), new(big.Int).SetBytes(a.prefix.Addr().AsSlice()))
	if !d.IsUint64() {
		return 0, false
	}
	o := d.Uint64()
	return o, o >= a.lo && o < a.hi
}

// Owner names the object an IP is allocated to.
type Owner struct {
	Namespace, Name string
}

// Allocate reserves ip for owner. With dryRun it only checks ip is free.
func (a *Allocator) Allocate(ctx context.Context, ip netip.Addr, owner Owner, dryRun bool) error {
	if _, ok := a.offset(ip); !ok {
		return &ErrNotInRange{IP: ip, ValidRange: a.prefix.String()}
	}
	err := a.create(ctx, ip, owner, dryRun)
	if apierrors.IsAlreadyExists(err) {
		return ErrAllocated
	}
	return err
}

// AllocateNext reserves a free IP for owner, starting at a random offset
// above the static band and probing linearly.
func (a *Allocator) AllocateNext(ctx context.Context, owner Owner, dryRun bool) (netip.Addr, error) {
	ranges := [][2]uint64{{a.lo + a.band, a.hi}, {a.lo, a.lo + a.band}}
	if a.lo+a.band >= a.hi {
		ranges = [][2]uint64{{a.lo, a.hi}}
	}
	for _, r := range ranges {
		n := r[1] - r[0]
		start := rand.Uint64N(n)
		for i := uint64(0); i < n; i++ {
			ip := a.Index(r[0] + (start+i)%n)
			err := a.create(ctx, ip, owner, dryRun)
			if err == nil {
				return ip, nil
			}
			if !apierrors.IsAlreadyExists(err) {
				return netip.Addr{}, err
			}
		}
	}
	return netip.Addr{}, ErrFull
}

func (a *Allocator) create(ctx context.Context, ip netip.Addr, owner Owner, dryRun bool) error {
	ctx = genericapirequest.WithNamespace(ctx, metav1.NamespaceNone)
	if dryRun {
		_, err := a.store.Get(ctx, ip.String(), &metav1.GetOptions{})
		if err == nil {
			return apierrors.NewAlreadyExists(networkingv1.Resource("ipaddresses"), ip.String())
		}
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	}
	obj := &networkingv1.IPAddress{
		ObjectMeta: metav1.ObjectMeta{
			Name: ip.String(),
			Labels: map[string]string{
				networkingv1.LabelIPAddressFamily: a.Family(),
				networkingv1.LabelManagedBy:       ManagedBy,
			},
		},
		Spec: networkingv1.IPAddressSpec{ParentRef: &networkingv1.ParentReference{
			Group: "", Resource: "services", Namespace: owner.Namespace, Name: owner.Name,
		}},
	}
	_, err := a.store.Create(ctx, obj, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	return err
}

// Release frees ip. Releasing a free IP is not an error.
func (a *Allocator) Release(ctx context.Context, ip netip.Addr) error {
	ctx = genericapirequest.WithNamespace(ctx, metav1.NamespaceNone)
	_, _, err := a.store.Delete(ctx, ip.String(), rest.ValidateAllObjectFunc, &metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
