package framework

import "testing"

func TestFitMessage(t *testing.T) {
	taint := NewStatus(UnschedulableAndUnresolvable, "node(s) had untolerated taint(s)")
	cpu := NewStatus(Unschedulable, "Insufficient cpu")
	cpuMem := NewStatus(Unschedulable, "Insufficient cpu", "Insufficient memory")
	for _, tc := range []struct {
		name      string
		all       int
		statuses  NodeToStatus
		pre, post string
		want      string
	}{
		{"sorted histogram", 3, NodeToStatus{Map: map[string]*Status{"a": taint, "b": cpu, "c": cpuMem}}, "", "",
			"0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint(s), 2 Insufficient cpu."},
		{"absent nodes", 5, NodeToStatus{Map: map[string]*Status{"a": cpu}, AbsentStatus: NewStatus(UnschedulableAndUnresolvable, "node(s) didn't satisfy plugin(s) [NodeAffinity]")}, "", "",
			"0/5 nodes are available: 1 Insufficient cpu, 4 node(s) didn't satisfy plugin(s) [NodeAffinity]."},
		{"prefilter message replaces the histogram", 2, NodeToStatus{AbsentStatus: NewStatus(UnschedulableAndUnresolvable, "pod has unbound immediate PersistentVolumeClaims")}, "pod has unbound immediate PersistentVolumeClaims", "",
			"0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims."},
		{"preemption suffix", 1, NodeToStatus{Map: map[string]*Status{"a": cpu}}, "", "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
			"0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FitMessage(tc.all, &tc.statuses, tc.pre, tc.post); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
