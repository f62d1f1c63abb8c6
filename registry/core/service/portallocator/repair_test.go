package portallocator

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestServiceNodePorts(t *testing.T) {
	s := &corev1.Service{Spec: corev1.ServiceSpec{
		Ports: []corev1.ServicePort{
			{Name: "dns-udp", Protocol: corev1.ProtocolUDP, NodePort: 30053},
			{Name: "dns-tcp", Protocol: corev1.ProtocolTCP, NodePort: 30053},
			{Name: "web", Protocol: corev1.ProtocolTCP, NodePort: 30080},
			{Name: "none", Protocol: corev1.ProtocolTCP},
		},
		HealthCheckNodePort: 30999,
	}}
	// One port with two protocols counts once, as upstream.
	if got, want := ServiceNodePorts(s), []int{30053, 30080, 30999}; !reflect.DeepEqual(got, want) {
		t.Errorf("ServiceNodePorts = %v, want %v", got, want)
	}
	// The same port twice with one protocol is a duplicate to report.
	s.Spec.Ports = []corev1.ServicePort{{Protocol: corev1.ProtocolTCP, NodePort: 30080}, {Protocol: corev1.ProtocolTCP, NodePort: 30080}}
	s.Spec.HealthCheckNodePort = 0
	if got, want := ServiceNodePorts(s), []int{30080, 30080}; !reflect.DeepEqual(got, want) {
		t.Errorf("ServiceNodePorts = %v, want %v", got, want)
	}
}
