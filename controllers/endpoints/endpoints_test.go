package endpoints

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

func addr(ip, uid string) corev1.EndpointAddress {
	return corev1.EndpointAddress{IP: ip, TargetRef: &corev1.ObjectReference{Kind: "Pod", UID: types.UID(uid)}}
}

func TestRepack(t *testing.T) {
	http := corev1.EndpointPort{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}
	metrics := corev1.EndpointPort{Name: "metrics", Port: 9090, Protocol: corev1.ProtocolTCP}
	in := []corev1.EndpointSubset{
		{Addresses: []corev1.EndpointAddress{addr("10.0.0.2", "b")}, Ports: []corev1.EndpointPort{http}},
		{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a")}, Ports: []corev1.EndpointPort{http}},
		{NotReadyAddresses: []corev1.EndpointAddress{addr("10.0.0.3", "c")}, Ports: []corev1.EndpointPort{http}},
		{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a")}, Ports: []corev1.EndpointPort{metrics}},
	}
	out := Repack(in)
	if len(out) != 2 {
		t.Fatalf("subsets %+v", out)
	}
	var httpSub, metricsSub corev1.EndpointSubset
	for _, s := range out {
		if s.Ports[0].Name == "http" {
			httpSub = s
		} else {
			metricsSub = s
		}
	}
	if len(httpSub.Addresses) != 2 || httpSub.Addresses[0].IP != "10.0.0.1" || len(httpSub.NotReadyAddresses) != 1 {
		t.Errorf("http subset %+v", httpSub)
	}
	if len(metricsSub.Addresses) != 1 || len(metricsSub.NotReadyAddresses) != 0 {
		t.Errorf("metrics subset %+v", metricsSub)
	}
	// Identical address sets share one subset.
	same := Repack([]corev1.EndpointSubset{
		{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a")}, Ports: []corev1.EndpointPort{http}},
		{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a")}, Ports: []corev1.EndpointPort{metrics}},
	})
	if len(same) != 1 || len(same[0].Ports) != 2 {
		t.Errorf("merged %+v", same)
	}
}
