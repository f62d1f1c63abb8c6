// Package helper holds what several scheduler plugins share: score
// normalisation and reading typed state back from the cycle state.
package helper

import (
	"fmt"

	v1 "k8s.io/api/core/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
)

// DefaultNormalizeScore scales scores so the highest becomes maxPriority
// (and, reversed, the highest becomes 0), as upstream's helper does.
func DefaultNormalizeScore(maxPriority int64, reverse bool, scores []fw.NodeScore) *fw.Status {
	var maxCount int64
	for i := range scores {
		if scores[i].Score > maxCount {
			maxCount = scores[i].Score
		}
	}
	if maxCount == 0 {
		if reverse {
			for i := range scores {
				scores[i].Score = maxPriority
			}
		}
		return nil
	}
	for i := range scores {
		s := scores[i].Score
		s = maxPriority * s / maxCount
		if reverse {
			s = maxPriority - s
		}
		scores[i].Score = s
	}
	return nil
}

// Read returns the state at key as T.
func Read[T fw.StateData](state *fw.CycleState, key fw.StateKey) (T, error) {
	var zero T
	v, err := state.Read(key)
	if err != nil {
		return zero, fmt.Errorf("reading %q from cycleState: %w", key, err)
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("%+v convert to %T error", v, zero)
	}
	return t, nil
}

// DoNotScheduleTaints keeps the taints the filter considers.
func DoNotScheduleTaints(t *v1.Taint) bool {
	return t.Effect == v1.TaintEffectNoSchedule || t.Effect == v1.TaintEffectNoExecute
}
