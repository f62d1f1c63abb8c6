package garbagecollector

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// ref identifies an object of the graph.
type ref struct {
	APIVersion, Kind string
	Namespace, Name  string
	UID              types.UID
}

func (r ref) groupKind() schema.GroupKind {
	gv, _ := schema.ParseGroupVersion(r.APIVersion)
	return schema.GroupKind{Group: gv.Group, Kind: r.Kind}
}

// node is an object, or an owner seen only in others' ownerReferences
// (virtual).
type node struct {
	ref
	virtual            bool
	owners             []metav1.OwnerReference
	dependents         map[types.UID]*node
	deletingDependents bool
}

// graph is the ownership graph built from the metadata informers.
type graph struct {
	mu    sync.Mutex
	nodes map[types.UID]*node
}

func newGraph() *graph { return &graph{nodes: map[types.UID]*node{}} }

func (g *graph) get(uid types.UID) *node {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.nodes[uid]
}

// dependents returns n's dependents and, for each, its reference to n.
func (g *graph) dependents(uid types.UID) []dependent {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := g.nodes[uid]
	if n == nil {
		return nil
	}
	out := make([]dependent, 0, len(n.dependents))
	for _, d := range n.dependents {
		for _, o := range d.owners {
			if o.UID == uid {
				out = append(out, dependent{ref: d.ref, ownerRef: o})
				break
			}
		}
	}
	return out
}

type dependent struct {
	ref      ref
	ownerRef metav1.OwnerReference
}

// observe records obj's current state. It returns the UIDs to check:
// owners not observed yet (virtual, to verify they exist), owners that
// wait for their dependents and lost one, obj when an owner waits for
// its dependents, and obj and its dependents when obj is deleted in the
// foreground.
func (g *graph) observe(r ref, owners []metav1.OwnerReference, deletingDependents bool) (check []types.UID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := g.nodes[r.UID]
	if n == nil {
		n = &node{dependents: map[types.UID]*node{}}
		g.nodes[r.UID] = n
	}
	n.ref, n.virtual = r, false
	old := map[types.UID]bool{}
	for _, o := range n.owners {
		old[o.UID] = true
	}
	cur := map[types.UID]bool{}
	for _, o := range owners {
		cur[o.UID] = true
	}
	for _, o := range n.owners {
		if cur[o.UID] {
			continue
		}
		if on := g.nodes[o.UID]; on != nil {
			delete(on.dependents, n.UID)
			if on.deletingDependents {
				check = append(check, on.UID)
			}
			g.dropVirtual(on)
		}
	}
	for _, o := range owners {
		on := g.nodes[o.UID]
		if on == nil {
			on = &node{ref: ref{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: r.Namespace, Name: o.Name, UID: o.UID}, virtual: true, dependents: map[types.UID]*node{}}
			g.nodes[o.UID] = on
		}
		on.dependents[n.UID] = n
		if on.virtual {
			// Verify the owner exists.
			check = append(check, on.UID)
		}
		if on.deletingDependents {
			check = append(check, n.UID)
		}
	}
	n.owners = owners
	if deletingDependents {
		check = append(check, n.UID)
		if !n.deletingDependents {
			for uid := range n.dependents {
				check = append(check, uid)
			}
		}
	}
	n.deletingDependents = deletingDependents
	return check
}

// remove forgets a deleted object and returns the UIDs to check: its
// dependents and its owners waiting for their dependents.
func (g *graph) remove(uid types.UID) (check []types.UID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := g.nodes[uid]
	if n == nil || n.virtual {
		return nil
	}
	for d := range n.dependents {
		check = append(check, d)
	}
	for _, o := range n.owners {
		if on := g.nodes[o.UID]; on != nil {
			delete(on.dependents, uid)
			if on.deletingDependents {
				check = append(check, on.UID)
			}
			g.dropVirtual(on)
		}
	}
	if len(n.dependents) > 0 {
		// Keep it as a virtual owner so its dependents stay linked.
		n.virtual, n.owners, n.deletingDependents = true, nil, false
	} else {
		delete(g.nodes, uid)
	}
	return check
}

func (g *graph) dropVirtual(n *node) {
	if n.virtual && len(n.dependents) == 0 {
		delete(g.nodes, n.UID)
	}
}
