package scheduler

import (
	"k8s.io/apimachinery/pkg/util/sets"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
)

// errNoNodesAvailable is upstream's message when the cluster has no nodes.
const errNoNodesAvailable = "no nodes available to schedule pods"

// diagnosis is why a pod fit nowhere.
type diagnosis struct {
	statuses             fw.NodeToStatus
	unschedulablePlugins sets.Set[string]
	preFilterMsg         string
	postFilterMsg        string
}

// fitError is a pod that fits no node.
type fitError struct {
	numAllNodes int
	diagnosis   diagnosis
}

func (f *fitError) Error() string {
	return fw.FitMessage(f.numAllNodes, &f.diagnosis.statuses, f.diagnosis.preFilterMsg, f.diagnosis.postFilterMsg)
}
