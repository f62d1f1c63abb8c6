package nodeports

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/framework/fake"
)

func withPorts(p *v1.Pod, ports ...v1.ContainerPort) *v1.Pod {
	p.Spec.Containers[0].Ports = ports
	return p
}

func TestFilter(t *testing.T) {
	tcp := func(ip string, port int32) v1.ContainerPort {
		return v1.ContainerPort{HostIP: ip, HostPort: port, ContainerPort: 80, Protocol: v1.ProtocolTCP}
	}
	udp := func(ip string, port int32) v1.ContainerPort {
		return v1.ContainerPort{HostIP: ip, HostPort: port, ContainerPort: 80, Protocol: v1.ProtocolUDP}
	}
	conflict := "Unschedulable: " + ErrReason
	for _, tc := range []struct {
		name     string
		existing []v1.ContainerPort
		wanted   []v1.ContainerPort
		want     string
	}{
		{"no ports", nil, nil, "Success"},
		{"free port", []v1.ContainerPort{tcp("", 8080)}, []v1.ContainerPort{tcp("", 8081)}, "Success"},
		{"same port", []v1.ContainerPort{tcp("", 8080)}, []v1.ContainerPort{tcp("", 8080)}, conflict},
		{"same port, other protocol", []v1.ContainerPort{tcp("", 8080)}, []v1.ContainerPort{udp("", 8080)}, "Success"},
		{"same port, different IPs", []v1.ContainerPort{tcp("127.0.0.1", 8080)}, []v1.ContainerPort{tcp("127.0.0.2", 8080)}, "Success"},
		{"0.0.0.0 against a specific IP", []v1.ContainerPort{tcp("127.0.0.1", 8080)}, []v1.ContainerPort{tcp("0.0.0.0", 8080)}, conflict},
		{"specific IP against 0.0.0.0", []v1.ContainerPort{tcp("0.0.0.0", 8080)}, []v1.ContainerPort{tcp("127.0.0.1", 8080)}, conflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ni := fw.NewNodeInfo(withPorts(fake.Pod("old", "n1", "", ""), tc.existing...))
			ni.SetNode(fake.Node("n1", "1", "1Gi"))
			p := withPorts(fake.Pod("p", "", "", ""), tc.wanted...)
			pl := &NodePorts{}
			state := fw.NewCycleState()
			if _, st := pl.PreFilter(context.Background(), state, p, nil); st.IsSkip() {
				if tc.want != "Success" {
					t.Fatalf("PreFilter skipped, want %q", tc.want)
				}
				return
			}
			if got := fake.Code(pl.Filter(context.Background(), state, p, ni)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
