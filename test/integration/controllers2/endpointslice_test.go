package controllers2

import (
	"fmt"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func webPod(name string, port int32) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: port}}}}}}
}

func slicesOf(t *testing.T, ns, svc string) []discoveryv1.EndpointSlice {
	t.Helper()
	list, err := srv.Client.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=" + svc})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Name < list.Items[j].Name })
	return list.Items
}

// endpointsByPod flattens slices to pod name -> (port, ready).
func endpointsByPod(slices []discoveryv1.EndpointSlice) map[string]string {
	out := map[string]string{}
	for _, s := range slices {
		for _, ep := range s.Endpoints {
			port := int32(0)
			if len(s.Ports) > 0 {
				port = *s.Ports[0].Port
			}
			out[ep.TargetRef.Name] = fmt.Sprintf("%d/ready=%v/serving=%v/terminating=%v", port, *ep.Conditions.Ready, *ep.Conditions.Serving, *ep.Conditions.Terminating)
		}
	}
	return out
}

func TestEndpointSliceFollowsPodReadiness(t *testing.T) {
	ns := newNamespace(t)
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"tier": "front"}}, Spec: corev1.ServiceSpec{
		Selector: map[string]string{"app": "web"},
		Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
	}}
	svc, err := srv.Client.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// No pods yet: one placeholder slice without endpoints.
	eventually(t, 20*time.Second, func() error {
		s := slicesOf(t, ns, "web")
		if len(s) != 1 || len(s[0].Endpoints) != 0 {
			return fmt.Errorf("want one empty placeholder slice, got %+v", s)
		}
		return nil
	})
	for _, p := range []*corev1.Pod{webPod("a", 8080), webPod("b", 8080), webPod("c", 9090)} {
		if _, err := srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// The named targetPort resolves per pod: two slices, by port.
	want := map[string]string{
		"a": "8080/ready=true/serving=true/terminating=false",
		"b": "8080/ready=true/serving=true/terminating=false",
		"c": "9090/ready=true/serving=true/terminating=false",
	}
	eventually(t, 30*time.Second, func() error {
		s := slicesOf(t, ns, "web")
		if got := endpointsByPod(s); fmt.Sprint(got) != fmt.Sprint(want) || len(s) != 2 {
			return fmt.Errorf("%d slices, endpoints %v, want %v", len(s), got, want)
		}
		return nil
	})
	for _, s := range slicesOf(t, ns, "web") {
		if s.Labels["kubernetes.io/service-name"] != "web" || s.Labels["endpointslice.kubernetes.io/managed-by"] != "endpointslice-controller.k8s.io" ||
			s.Labels["tier"] != "front" || len(s.Labels) != 3 {
			t.Errorf("slice %s labels %v", s.Name, s.Labels)
		}
		if ref := metav1.GetControllerOf(&s); ref == nil || ref.Kind != "Service" || ref.Name != "web" || ref.UID != svc.UID || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
			t.Errorf("slice %s owner %+v", s.Name, ref)
		}
		if s.AddressType != discoveryv1.AddressTypeIPv4 || len(s.Ports) != 1 || *s.Ports[0].Name != "http" || *s.Ports[0].Protocol != corev1.ProtocolTCP {
			t.Errorf("slice %s type %s ports %+v", s.Name, s.AddressType, s.Ports)
		}
		for _, ep := range s.Endpoints {
			if ep.NodeName == nil || *ep.NodeName != node.Name || len(ep.Addresses) != 1 || ep.TargetRef.Kind != "Pod" || ep.TargetRef.Namespace != ns {
				t.Errorf("endpoint %+v", ep)
			}
		}
		if _, ok := s.Annotations["endpoints.kubernetes.io/last-change-trigger-time"]; !ok {
			t.Errorf("slice %s has no last-change-trigger-time: %v", s.Name, s.Annotations)
		}
	}
	// The legacy Endpoints object too.
	eventually(t, 20*time.Second, func() error {
		ep, err := srv.Client.CoreV1().Endpoints(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if ep.Labels["endpoints.kubernetes.io/managed-by"] != "endpoint-controller" || ep.Labels["tier"] != "front" {
			return fmt.Errorf("endpoints labels %v", ep.Labels)
		}
		n := 0
		for _, s := range ep.Subsets {
			n += len(s.Addresses)
			if len(s.NotReadyAddresses) != 0 || len(s.Ports) != 1 || s.Ports[0].Name != "http" {
				return fmt.Errorf("subset %+v", s)
			}
		}
		if len(ep.Subsets) != 2 || n != 3 {
			return fmt.Errorf("subsets %+v", ep.Subsets)
		}
		return nil
	})

	// Pods turn not ready: endpoints follow.
	node.NotReady.Store(true)
	node.Resync()
	t.Cleanup(func() { node.NotReady.Store(false); node.Resync() })
	eventually(t, 30*time.Second, func() error {
		got := endpointsByPod(slicesOf(t, ns, "web"))
		for _, p := range []string{"a", "b", "c"} {
			if got[p] != fmt.Sprintf("%s/ready=false/serving=false/terminating=false", want[p][:4]) {
				return fmt.Errorf("endpoints %v", got)
			}
		}
		return nil
	})
	eventually(t, 20*time.Second, func() error {
		ep, err := srv.Client.CoreV1().Endpoints(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, s := range ep.Subsets {
			if len(s.Addresses) != 0 || len(s.NotReadyAddresses) == 0 {
				return fmt.Errorf("subsets %+v", ep.Subsets)
			}
		}
		return nil
	})
	node.NotReady.Store(false)
	node.Resync()
	eventually(t, 30*time.Second, func() error {
		if got := endpointsByPod(slicesOf(t, ns, "web")); fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("endpoints %v", got)
		}
		return nil
	})

	// A deleted pod leaves.
	if err := srv.Client.CoreV1().Pods(ns).Delete(ctx, "c", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		s := slicesOf(t, ns, "web")
		if got := endpointsByPod(s); len(got) != 2 || len(s) != 1 {
			return fmt.Errorf("%d slices, endpoints %v", len(s), got)
		}
		return nil
	})
}

func TestEndpointSlicePublishNotReadyHeadless(t *testing.T) {
	ns := newNamespace(t)
	node.NotReady.Store(true)
	node.Resync()
	t.Cleanup(func() { node.NotReady.Store(false); node.Resync() })
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "db"}, Spec: corev1.ServiceSpec{
		ClusterIP: corev1.ClusterIPNone, PublishNotReadyAddresses: true,
		Selector: map[string]string{"app": "web"},
		Ports:    []corev1.ServicePort{{Name: "sql", Port: 5432}},
	}}
	if _, err := srv.Client.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := webPod("db-0", 5432)
	p.Spec.Hostname, p.Spec.Subdomain = "db-0", "db"
	if _, err := srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		s := slicesOf(t, ns, "db")
		if len(s) != 1 || len(s[0].Endpoints) != 1 {
			return fmt.Errorf("slices %+v", s)
		}
		ep := s[0].Endpoints[0]
		if !*ep.Conditions.Ready || *ep.Conditions.Serving || ep.Hostname == nil || *ep.Hostname != "db-0" {
			return fmt.Errorf("endpoint %+v (hostname %v)", ep.Conditions, ep.Hostname)
		}
		if _, ok := s[0].Labels["service.kubernetes.io/headless"]; !ok || *s[0].Ports[0].Port != 5432 {
			return fmt.Errorf("labels %v ports %+v", s[0].Labels, s[0].Ports)
		}
		return nil
	})
	eventually(t, 20*time.Second, func() error {
		ep, err := srv.Client.CoreV1().Endpoints(ns).Get(ctx, "db", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if len(ep.Subsets) != 1 || len(ep.Subsets[0].Addresses) != 1 || ep.Subsets[0].Addresses[0].Hostname != "db-0" {
			return fmt.Errorf("subsets %+v", ep.Subsets)
		}
		if _, ok := ep.Labels["service.kubernetes.io/headless"]; !ok {
			return fmt.Errorf("labels %v", ep.Labels)
		}
		return nil
	})
}

func TestEndpointsMirroring(t *testing.T) {
	ns := newNamespace(t)
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "external"}, Spec: corev1.ServiceSpec{
		Ports: []corev1.ServicePort{{Name: "https", Port: 443}},
	}}
	if _, err := srv.Client.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "external", Labels: map[string]string{"team": "a"},
		Annotations: map[string]string{"note": "kept"}},
		Subsets: []corev1.EndpointSubset{{
			Addresses:         []corev1.EndpointAddress{{IP: "192.0.2.10"}, {IP: "192.0.2.11"}},
			NotReadyAddresses: []corev1.EndpointAddress{{IP: "192.0.2.12"}},
			Ports:             []corev1.EndpointPort{{Name: "https", Port: 8443, Protocol: corev1.ProtocolTCP}},
		}}}
	created, err := srv.Client.CoreV1().Endpoints(ns).Create(ctx, ep, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		s := slicesOf(t, ns, "external")
		if len(s) != 1 {
			return fmt.Errorf("%d slices", len(s))
		}
		sl := s[0]
		if sl.Labels["endpointslice.kubernetes.io/managed-by"] != "endpointslicemirroring-controller.k8s.io" || sl.Labels["team"] != "a" ||
			sl.Annotations["note"] != "kept" {
			return fmt.Errorf("labels %v annotations %v", sl.Labels, sl.Annotations)
		}
		if ref := metav1.GetControllerOf(&sl); ref == nil || ref.Kind != "Endpoints" || ref.UID != created.UID {
			return fmt.Errorf("owner %+v", ref)
		}
		ready := map[string]bool{}
		for _, e := range sl.Endpoints {
			ready[e.Addresses[0]] = *e.Conditions.Ready
		}
		if fmt.Sprint(ready) != "map[192.0.2.10:true 192.0.2.11:true 192.0.2.12:false]" || *sl.Ports[0].Port != 8443 {
			return fmt.Errorf("endpoints %v ports %+v", ready, sl.Ports)
		}
		return nil
	})
	// The API server's own default/kubernetes Endpoints are not mirrored.
	list, err := srv.Client.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{LabelSelector: "endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io"})
	if err != nil || len(list.Items) != 0 {
		t.Errorf("mirrored slices in default: %v %v", list, err)
	}
}
