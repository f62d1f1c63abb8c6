package fake

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
)

// Filter runs pl's PreFilter (if any) and Filter on every node of the
// snapshot and returns each node's fake.Code; a PreFilter rejection or
// Skip is returned for every node.
func Filter(pl fw.FilterPlugin, p *v1.Pod, snap *fw.Snapshot) []string {
	ctx := context.Background()
	state := fw.NewCycleState()
	out := make([]string, len(snap.NodeInfoList))
	if pf, ok := pl.(fw.PreFilterPlugin); ok {
		res, st := pf.PreFilter(ctx, state, p, snap.NodeInfoList)
		if st.IsSkip() {
			for i := range out {
				out[i] = "Success"
			}
			return out
		}
		if !st.IsSuccess() {
			for i := range out {
				out[i] = Code(st)
			}
			return out
		}
		if !res.AllNodes() {
			for i, ni := range snap.NodeInfoList {
				if !res.NodeNames.Has(ni.Node().Name) {
					out[i] = "filtered by PreFilter"
				}
			}
		}
	}
	for i, ni := range snap.NodeInfoList {
		if out[i] == "" {
			out[i] = Code(pl.Filter(ctx, state, p, ni))
		}
	}
	return out
}

// Score runs pl's PreScore (if any), Score and NormalizeScore over every
// node of the snapshot; a PreScore Skip gives nil.
func Score(pl fw.ScorePlugin, p *v1.Pod, snap *fw.Snapshot) ([]int64, error) {
	ctx := context.Background()
	state := fw.NewCycleState()
	if pf, ok := pl.(fw.PreFilterPlugin); ok {
		if _, st := pf.PreFilter(ctx, state, p, snap.NodeInfoList); !st.IsSuccess() && !st.IsSkip() {
			return nil, fmt.Errorf("prefilter: %s", st.Message())
		}
	}
	if ps, ok := pl.(fw.PreScorePlugin); ok {
		st := ps.PreScore(ctx, state, p, snap.NodeInfoList)
		if st.IsSkip() {
			return nil, nil
		}
		if !st.IsSuccess() {
			return nil, fmt.Errorf("prescore: %s", st.Message())
		}
	}
	scores := make([]fw.NodeScore, len(snap.NodeInfoList))
	for i, ni := range snap.NodeInfoList {
		s, st := pl.Score(ctx, state, p, ni)
		if !st.IsSuccess() {
			return nil, fmt.Errorf("score: %s", st.Message())
		}
		scores[i] = fw.NodeScore{Name: ni.Node().Name, Score: s}
	}
	if ext := pl.ScoreExtensions(); ext != nil {
		if st := ext.NormalizeScore(ctx, state, p, scores); !st.IsSuccess() {
			return nil, fmt.Errorf("normalize: %s", st.Message())
		}
	}
	out := make([]int64, len(scores))
	for i := range scores {
		out[i] = scores[i].Score
	}
	return out, nil
}
