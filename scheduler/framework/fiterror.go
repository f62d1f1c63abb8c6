package framework

import (
	"fmt"
	"sort"
	"strings"
)

// FitMessage renders upstream's "0/N nodes are available: ..." message:
// the PreFilter message if PreFilter rejected the pod, otherwise each
// filter reason counted over the nodes ("2 Insufficient cpu") sorted as
// strings, then the PostFilter (preemption) message.
func FitMessage(numAllNodes int, statuses *NodeToStatus, preFilterMsg, postFilterMsg string) string {
	msg := fmt.Sprintf("0/%v nodes are available:", numAllNodes)
	if preFilterMsg != "" {
		msg += fmt.Sprintf(" %v.", preFilterMsg)
	} else if h := histogram(numAllNodes, statuses); h != "" {
		msg += " " + h + "."
	}
	if postFilterMsg != "" {
		msg += " " + postFilterMsg
	}
	return msg
}

func histogram(numAllNodes int, m *NodeToStatus) string {
	counts := map[string]int{}
	for _, s := range m.Map {
		for _, r := range s.Reasons() {
			counts[r]++
		}
	}
	if len(m.Map) < numAllNodes && m.AbsentStatus != nil {
		for _, r := range m.AbsentStatus.Reasons() {
			counts[r] += numAllNodes - len(m.Map)
		}
	}
	out := make([]string, 0, len(counts))
	for r, n := range counts {
		out = append(out, fmt.Sprintf("%v %v", n, r))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
