package framework

import (
	"errors"
	"sync"

	"k8s.io/apimachinery/pkg/util/sets"
)

// ErrNotFound is returned by CycleState.Read for a missing key.
var ErrNotFound = errors.New("not found")

// StateData is what plugins keep in a CycleState; Clone is used when
// preemption simulates removing pods.
type StateData interface {
	Clone() StateData
}

// StateKey names a plugin's data.
type StateKey string

// CycleState carries data between one pod's extension points. Writes
// happen in the sequential points (PreFilter, PreScore), reads in the
// parallel ones; the lock makes that safe anyway.
type CycleState struct {
	mu   sync.RWMutex
	data map[StateKey]StateData
	// SkipFilterPlugins and SkipScorePlugins are plugins whose
	// PreFilter/PreScore returned Skip for this pod.
	SkipFilterPlugins sets.Set[string]
	SkipScorePlugins  sets.Set[string]
}

// NewCycleState returns an empty state.
func NewCycleState() *CycleState {
	return &CycleState{data: map[StateKey]StateData{}}
}

// Read returns the data at key.
func (c *CycleState) Read(key StateKey) (StateData, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if v, ok := c.data[key]; ok {
		return v, nil
	}
	return nil, ErrNotFound
}

// Write stores val at key.
func (c *CycleState) Write(key StateKey, val StateData) {
	c.mu.Lock()
	c.data[key] = val
	c.mu.Unlock()
}

// Clone deep-copies the state (each entry by its Clone).
func (c *CycleState) Clone() *CycleState {
	if c == nil {
		return nil
	}
	n := NewCycleState()
	c.mu.RLock()
	for k, v := range c.data {
		n.data[k] = v.Clone()
	}
	c.mu.RUnlock()
	n.SkipFilterPlugins = c.SkipFilterPlugins.Clone()
	n.SkipScorePlugins = c.SkipScorePlugins.Clone()
	return n
}
