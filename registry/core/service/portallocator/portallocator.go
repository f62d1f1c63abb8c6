// Package portallocator allocates Service NodePorts. As in kube-apiserver,
// the allocation is a bitmap kept in one core/v1 RangeAllocation object in
// etcd (key <prefix>/ranges/servicenodeports) and changed only through
// optimistic-concurrency updates, so concurrent allocations never hand out
// one port twice.
package portallocator

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
)

// Base and Size are the NodePort range (30000-32767 by default, as upstream).
// They are read when the services storage is built.
var (
	Base = 30000
	Size = 2768
)

const key = "/ranges/servicenodeports"

// Allocator is the NodePort range in etcd.
type Allocator struct {
	base, size int
	store      storage.Interface
	destroy    func()
}

// New returns the allocator of the current range, storing its bitmap with
// the storage configuration of services.
func New(optsGetter generic.RESTOptionsGetter) (*Allocator, error) {
	opts, err := optsGetter.GetRESTOptions(corev1.Resource("services"), &corev1.Service{})
	if err != nil {
		return nil, err
	}
	cfg := *opts.StorageConfig
	cfg.GroupResource = corev1.Resource("servicenodeportallocations")
	s, destroy, err := generic.NewRawStorage(&cfg, func() runtime.Object { return &corev1.RangeAllocation{} }, nil, key)
	if err != nil {
		return nil, err
	}
	return &Allocator{base: Base, size: Size, store: s, destroy: destroy}, nil
}

// Destroy releases the storage.
func (a *Allocator) Destroy() {
	if a.destroy != nil {
		a.destroy()
	}
}

// Range prints the range as upstream does in messages: "30000-32767".
func (a *Allocator) Range() string { return fmt.Sprintf("%d-%d", a.base, a.base+a.size-1) }

// Bitmap is a snapshot of the allocated ports that a transaction changes.
type Bitmap struct {
	base, size int
	bits       *big.Int
}

// InRange reports whether port belongs to the range.
func (b *Bitmap) InRange(port int) bool { return port >= b.base && port < b.base+b.size }

// Has reports whether port is allocated.
func (b *Bitmap) Has(port int) bool { return b.InRange(port) && b.bits.Bit(port-b.base) == 1 }

// Set allocates port.
func (b *Bitmap) Set(port int) {
	if b.InRange(port) {
		b.bits.SetBit(b.bits, port-b.base, 1)
	}
}

// Clear frees port.
func (b *Bitmap) Clear(port int) {
	if b.InRange(port) {
		b.bits.SetBit(b.bits, port-b.base, 0)
	}
}

// Next allocates a free port, preferring the upper part of the range (the
// lower band is kept for ports users choose), or returns false when full.
func (b *Bitmap) Next() (int, bool) {
	band := min(max(16, b.size/32), 128)
	ranges := [][2]int{{band, b.size}, {0, band}}
	for _, r := range ranges {
		n := r[1] - r[0]
		if n <= 0 {
			continue
		}
		start := rand.IntN(n)
		for i := 0; i < n; i++ {
			off := r[0] + (start+i)%n
			if b.bits.Bit(off) == 0 {
				b.bits.SetBit(b.bits, off, 1)
				return b.base + off, true
			}
		}
	}
	return 0, false
}

// Update runs fn on the current bitmap and stores the result unless fn
// fails or dryRun is set. fn may run several times (on conflicts) and must
// recompute its outputs each time.
func (a *Allocator) Update(ctx context.Context, dryRun bool, fn func(*Bitmap) error) error {
	if dryRun {
		cur := &corev1.RangeAllocation{}
		if err := a.store.Get(ctx, key, storage.GetOptions{IgnoreNotFound: true}, cur); err != nil {
			return err
		}
		return fn(a.bitmap(cur))
	}
	return a.store.GuaranteedUpdate(ctx, key, &corev1.RangeAllocation{}, true, nil,
		storage.SimpleUpdate(func(in runtime.Object) (runtime.Object, error) {
			cur := in.(*corev1.RangeAllocation)
			b := a.bitmap(cur)
			if err := fn(b); err != nil {
				return nil, err
			}
			out := cur.DeepCopy()
			out.Range = a.Range()
			out.Data = b.bits.Bytes()
			return out, nil
		}), nil)
}

func (a *Allocator) bitmap(cur *corev1.RangeAllocation) *Bitmap {
	b := &Bitmap{base: a.base, size: a.size, bits: new(big.Int)}
	if cur.Range == a.Range() {
		b.bits.SetBytes(cur.Data)
	}
	return b
}

// Release frees ports, ignoring those outside the range.
func (a *Allocator) Release(ctx context.Context, ports ...int) error {
	if len(ports) == 0 {
		return nil
	}
	return a.Update(ctx, false, func(b *Bitmap) error {
		for _, p := range ports {
			b.Clear(p)
		}
		return nil
	})
}
