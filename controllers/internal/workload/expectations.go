// Package workload holds helpers shared by the workload controllers
// (ReplicaSet, Deployment): expectations of pending creates and deletes,
// adoption and release of dependents, pod readiness and availability, and
// the pod-template hash, as upstream's pkg/controller helpers do.
package workload

import (
	"sync"
	"time"
)

// ExpectationsTimeout is how long unobserved expectations are trusted
// before a controller syncs anyway (upstream: 5 minutes).
const ExpectationsTimeout = 5 * time.Minute

// Expectations records, per owner key, how many creations and which
// deletions the controller made that its informers have not yet observed,
// so it does not act twice on a stale cache.
type Expectations struct {
	mu sync.Mutex
	m  map[string]*expectation
}

type expectation struct {
	add       int
	del       map[string]bool
	timestamp time.Time
}

// NewExpectations returns empty expectations.
func NewExpectations() *Expectations {
	return &Expectations{m: map[string]*expectation{}}
}

// Satisfied reports whether key has no pending (or only expired)
// expectations.
func (e *Expectations) Satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.m[key]
	if !ok {
		return true
	}
	if x.add <= 0 && len(x.del) == 0 {
		return true
	}
	return time.Since(x.timestamp) > ExpectationsTimeout
}

// ExpectCreations records that n creations are under way for key.
func (e *Expectations) ExpectCreations(key string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.m[key] = &expectation{add: n, del: map[string]bool{}, timestamp: time.Now()}
}

// ExpectDeletions records that the objects with the given keys are being
// deleted for key.
func (e *Expectations) ExpectDeletions(key string, objs []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &expectation{del: map[string]bool{}, timestamp: time.Now()}
	for _, o := range objs {
		x.del[o] = true
	}
	e.m[key] = x
}

// CreationObserved lowers key's pending creations by one.
func (e *Expectations) CreationObserved(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok && x.add > 0 {
		x.add--
	}
}

// DeletionObserved marks obj's deletion for key as seen.
func (e *Expectations) DeletionObserved(key, obj string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		delete(x.del, obj)
	}
}

// Delete forgets key.
func (e *Expectations) Delete(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}
