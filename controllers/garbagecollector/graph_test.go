package garbagecollector

import (
	"sort"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func owner(uid types.UID, block bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: string(uid), UID: uid, BlockOwnerDeletion: &block}
}

func sorted(u []types.UID) []types.UID {
	sort.Slice(u, func(i, j int) bool { return u[i] < u[j] })
	return u
}

func TestGraph(t *testing.T) {
	g := newGraph()
	cm := func(uid types.UID) ref {
		return ref{APIVersion: "v1", Kind: "ConfigMap", Namespace: "ns", Name: string(uid), UID: uid}
	}
	// A dependent seen before its owner makes the owner virtual, to verify.
	if got := g.observe(cm("dep"), []metav1.OwnerReference{owner("own", true)}, false); len(got) != 1 || got[0] != "own" {
		t.Fatalf("check %v, want [own]", got)
	}
	if n := g.get("own"); n == nil || !n.virtual {
		t.Fatal("owner not virtual")
	}
	if got := g.observe(cm("own"), nil, false); len(got) != 0 {
		t.Fatalf("observing the owner: check %v", got)
	}
	if deps := g.dependents("own"); len(deps) != 1 || deps[0].ref.UID != "dep" || !*deps[0].ownerRef.BlockOwnerDeletion {
		t.Fatalf("dependents %+v", deps)
	}
	// Foreground deletion of the owner checks it and its dependents.
	if got := sorted(g.observe(cm("own"), nil, true)); len(got) != 2 || got[0] != "dep" || got[1] != "own" {
		t.Fatalf("foreground: check %v", got)
	}
	// The dependent going away re-checks the waiting owner.
	if got := g.remove("dep"); len(got) != 1 || got[0] != "own" {
		t.Fatalf("remove dependent: check %v", got)
	}
	if deps := g.dependents("own"); len(deps) != 0 {
		t.Fatalf("dependents left %+v", deps)
	}
	// Removing an owner with dependents checks them and keeps it virtual.
	g.observe(cm("dep2"), []metav1.OwnerReference{owner("own", false)}, false)
	if got := g.remove("own"); len(got) != 1 || got[0] != "dep2" {
		t.Fatalf("remove owner: check %v", got)
	}
	if n := g.get("own"); n == nil || !n.virtual {
		t.Fatal("removed owner with dependents not kept virtual")
	}
	// Dropping the reference forgets the virtual owner.
	g.observe(cm("dep2"), nil, false)
	if g.get("own") != nil {
		t.Fatal("virtual owner without dependents kept")
	}
}
