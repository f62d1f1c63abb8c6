package services

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

var serviceCIDR = netip.MustParsePrefix("10.96.0.0/12")

func simpleService(name string, port int32) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": name},
			Ports:    []corev1.ServicePort{{Port: port}},
		},
	}
}

func TestServiceDefaultsAndClusterIP(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	svc, err := srv.Client.CoreV1().Services(ns).Create(ctx, simpleService("web", 80), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := svc.Spec
	if s.Type != corev1.ServiceTypeClusterIP || s.SessionAffinity != corev1.ServiceAffinityNone {
		t.Errorf("type %q, sessionAffinity %q", s.Type, s.SessionAffinity)
	}
	if p := s.Ports[0]; p.Protocol != corev1.ProtocolTCP || p.TargetPort != intstr.FromInt32(80) || p.NodePort != 0 {
		t.Errorf("port defaults: %+v", p)
	}
	if s.IPFamilyPolicy == nil || *s.IPFamilyPolicy != corev1.IPFamilyPolicySingleStack {
		t.Errorf("ipFamilyPolicy %v", s.IPFamilyPolicy)
	}
	if len(s.IPFamilies) != 1 || s.IPFamilies[0] != corev1.IPv4Protocol {
		t.Errorf("ipFamilies %v", s.IPFamilies)
	}
	if s.InternalTrafficPolicy == nil || *s.InternalTrafficPolicy != corev1.ServiceInternalTrafficPolicyCluster {
		t.Errorf("internalTrafficPolicy %v", s.InternalTrafficPolicy)
	}
	if s.ExternalTrafficPolicy != "" {
		t.Errorf("externalTrafficPolicy %q on a ClusterIP service", s.ExternalTrafficPolicy)
	}
	ip, err := netip.ParseAddr(s.ClusterIP)
	if err != nil || !serviceCIDR.Contains(ip) || len(s.ClusterIPs) != 1 || s.ClusterIPs[0] != s.ClusterIP {
		t.Fatalf("clusterIP %q clusterIPs %v", s.ClusterIP, s.ClusterIPs)
	}

	// The IP is an IPAddress object owned by the service.
	addr, err := srv.Client.NetworkingV1().IPAddresses().Get(ctx, s.ClusterIP, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := addr.Spec.ParentRef; r == nil || r.Resource != "services" || r.Namespace != ns || r.Name != "web" {
		t.Errorf("parentRef %+v", addr.Spec.ParentRef)
	}

	// Field selectors on spec.clusterIP and spec.type.
	list, err := srv.Client.CoreV1().Services(ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.clusterIP=" + s.ClusterIP + ",spec.type=ClusterIP"})
	if err != nil || len(list.Items) != 1 {
		t.Errorf("field selector: %v, %d items", err, len(list.Items))
	}

	// clusterIP may not change.
	svc.Spec.ClusterIP, svc.Spec.ClusterIPs = "10.96.200.200", []string{"10.96.200.200"}
	_, err = srv.Client.CoreV1().Services(ns).Update(ctx, svc, metav1.UpdateOptions{})
	assertInvalid(t, err, "spec.clusterIPs[0]")

	// Deleting the service releases its IP.
	if err := srv.Client.CoreV1().Services(ns).Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client.NetworkingV1().IPAddresses().Get(ctx, s.ClusterIP, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("IPAddress after delete: %v", err)
	}
}

func TestServiceStaticClusterIP(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	a := simpleService("a", 80)
	a.Spec.ClusterIP = "10.96.0.77"
	got, err := srv.Client.CoreV1().Services(ns).Create(ctx, a, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.ClusterIP != "10.96.0.77" || len(got.Spec.ClusterIPs) != 1 {
		t.Errorf("static IP: %q %v", got.Spec.ClusterIP, got.Spec.ClusterIPs)
	}
	b := simpleService("b", 80)
	b.Spec.ClusterIP = "10.96.0.77"
	_, err = srv.Client.CoreV1().Services(ns).Create(ctx, b, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.clusterIPs")
	if !strings.Contains(err.Error(), "provided IP is already allocated") {
		t.Errorf("message: %v", err)
	}
	c := simpleService("c", 80)
	c.Spec.ClusterIP = "192.168.1.1"
	_, err = srv.Client.CoreV1().Services(ns).Create(ctx, c, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.clusterIPs")
	if !strings.Contains(err.Error(), "is not in the valid range") {
		t.Errorf("message: %v", err)
	}
	d := simpleService("d", 80)
	d.Spec.ClusterIP = "not-an-ip"
	_, err = srv.Client.CoreV1().Services(ns).Create(ctx, d, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.clusterIPs[0]")
}

func TestServiceNodePort(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	svc := simpleService("np", 80)
	svc.Spec.Type = corev1.ServiceTypeNodePort
	svc.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 80}, {Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}}
	got, err := srv.Client.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyCluster {
		t.Errorf("externalTrafficPolicy %q", got.Spec.ExternalTrafficPolicy)
	}
	used := map[int32]bool{}
	for _, p := range got.Spec.Ports {
		if p.NodePort < 30000 || p.NodePort > 32767 || used[p.NodePort] {
			t.Errorf("nodePort %d", p.NodePort)
		}
		used[p.NodePort] = true
	}
	taken := got.Spec.Ports[0].NodePort

	// A second service may not take the same port.
	other := simpleService("other", 80)
	other.Spec.Type = corev1.ServiceTypeNodePort
	other.Spec.Ports[0].NodePort = taken
	_, err = srv.Client.CoreV1().Services(ns).Create(ctx, other, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.ports[0].nodePort")
	if !strings.Contains(err.Error(), "provided port is already allocated") {
		t.Errorf("message: %v", err)
	}
	other.Spec.Ports[0].NodePort = 80
	_, err = srv.Client.CoreV1().Services(ns).Create(ctx, other, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.ports[0].nodePort")

	// Re-applying the manifest without nodePorts keeps them.
	svc.ResourceVersion = got.ResourceVersion
	again, err := srv.Client.CoreV1().Services(ns).Update(ctx, svc, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Spec.Ports[0].NodePort != taken || again.Spec.ClusterIP != got.Spec.ClusterIP {
		t.Errorf("update lost allocations: %+v", again.Spec)
	}

	// Deleting releases the port: another service can take it.
	if err := srv.Client.CoreV1().Services(ns).Delete(ctx, "np", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	other.Spec.Ports[0].NodePort = taken
	if _, err := srv.Client.CoreV1().Services(ns).Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Errorf("port %d not released: %v", taken, err)
	}

	// A ClusterIP service may not name a nodePort.
	cip := simpleService("cip", 80)
	cip.Spec.Ports[0].NodePort = 30999
	_, err = srv.Client.CoreV1().Services(ns).Create(ctx, cip, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.ports[0].nodePort")
}

func TestServiceLoadBalancerDefaults(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	svc := simpleService("lb", 443)
	svc.Spec.Type = corev1.ServiceTypeLoadBalancer
	got, err := srv.Client.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.AllocateLoadBalancerNodePorts == nil || !*got.Spec.AllocateLoadBalancerNodePorts || got.Spec.Ports[0].NodePort == 0 {
		t.Errorf("LB defaults: %+v", got.Spec)
	}
	if got.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyCluster {
		t.Errorf("externalTrafficPolicy %q", got.Spec.ExternalTrafficPolicy)
	}
	// Status is written only through /status.
	got.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "203.0.113.7"}}
	st, err := srv.Client.CoreV1().Services(ns).UpdateStatus(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Status.LoadBalancer.Ingress) != 1 || st.Status.LoadBalancer.Ingress[0].IPMode == nil {
		t.Errorf("status: %+v", st.Status)
	}
	tbl := getTable(t, "/api/v1/namespaces/"+ns+"/services/lb")
	if c := tbl.Rows[0].Cells; c[3] != "203.0.113.7" || !strings.HasPrefix(c[4].(string), "443:") {
		t.Errorf("LB row %v", c)
	}
}

func TestServiceHeadlessAndExternalName(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	h := simpleService("headless", 80)
	h.Spec.ClusterIP = corev1.ClusterIPNone
	got, err := srv.Client.CoreV1().Services(ns).Create(ctx, h, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.ClusterIP != "None" || len(got.Spec.ClusterIPs) != 1 || got.Spec.ClusterIPs[0] != "None" {
		t.Errorf("headless: %q %v", got.Spec.ClusterIP, got.Spec.ClusterIPs)
	}
	// Headless without ports is fine.
	h2 := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "noports"}, Spec: corev1.ServiceSpec{ClusterIP: "None"}}
	got2, err := srv.Client.CoreV1().Services(ns).Create(ctx, h2, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p := got2.Spec.IPFamilyPolicy; p == nil || *p != corev1.IPFamilyPolicyRequireDualStack || len(got2.Spec.IPFamilies) != 2 {
		t.Errorf("selectorless headless families: %v %v", got2.Spec.IPFamilyPolicy, got2.Spec.IPFamilies)
	}

	ext := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "ext"},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "example.com"},
	}
	gotExt, err := srv.Client.CoreV1().Services(ns).Create(ctx, ext, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if gotExt.Spec.ClusterIP != "" || gotExt.Spec.IPFamilyPolicy != nil || gotExt.Spec.InternalTrafficPolicy != nil {
		t.Errorf("externalName spec: %+v", gotExt.Spec)
	}
	tbl := getTable(t, "/api/v1/namespaces/"+ns+"/services/ext")
	if c := tbl.Rows[0].Cells; c[1] != "ExternalName" || c[2] != "<none>" || c[3] != "example.com" || c[4] != "<none>" {
		t.Errorf("externalName row %v", c)
	}
	bad := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "bad"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName}}
	_, err = srv.Client.CoreV1().Services(ns).Create(ctx, bad, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.externalName")
}

func TestServiceValidation(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	noPorts := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "noports"}}
	_, err := srv.Client.CoreV1().Services(ns).Create(ctx, noPorts, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.ports")

	dup := simpleService("dup", 80)
	dup.Spec.Ports = []corev1.ServicePort{{Name: "a", Port: 80}, {Name: "a", Port: 81}}
	_, err = srv.Client.CoreV1().Services(ns).Create(ctx, dup, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.ports[1].name")

	unnamed := simpleService("unnamed", 80)
	unnamed.Spec.Ports = []corev1.ServicePort{{Name: "a", Port: 80}, {Port: 81}}
	_, err = srv.Client.CoreV1().Services(ns).Create(ctx, unnamed, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.ports[1].name")

	badPort := simpleService("badport", 0)
	_, err = srv.Client.CoreV1().Services(ns).Create(ctx, badPort, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.ports[0].port")

	badType := simpleService("badtype", 80)
	badType.Spec.Type = "Fancy"
	_, err = srv.Client.CoreV1().Services(ns).Create(ctx, badType, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.type")

	dual := simpleService("dual", 80)
	dual.Spec.IPFamilyPolicy = ptr.To(corev1.IPFamilyPolicyRequireDualStack)
	_, err = srv.Client.CoreV1().Services(ns).Create(ctx, dual, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.ipFamilyPolicy")

	badName := simpleService("Bad_Name", 80)
	_, err = srv.Client.CoreV1().Services(ns).Create(ctx, badName, metav1.CreateOptions{})
	assertInvalid(t, err, "metadata.name")

	// A failed create leaves no IPAddress behind.
	before, err := srv.Client.NetworkingV1().IPAddresses().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ip := range before.Items {
		if ip.Spec.ParentRef != nil && ip.Spec.ParentRef.Namespace == ns {
			t.Errorf("leaked IPAddress %s for %s", ip.Name, ip.Spec.ParentRef.Name)
		}
	}
}

func TestServiceTable(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	svc := simpleService("web", 80)
	svc.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 80}, {Name: "https", Port: 443}}
	got, err := srv.Client.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tbl := getTable(t, "/api/v1/namespaces/"+ns+"/services")
	if c := strings.Join(columns(tbl), ","); c != "Name,Type,Cluster-IP,External-IP,Port(s),Age,Selector*" {
		t.Errorf("columns %s", c)
	}
	if len(tbl.Rows) != 1 {
		t.Fatalf("%d rows", len(tbl.Rows))
	}
	c := tbl.Rows[0].Cells
	want := []interface{}{"web", "ClusterIP", got.Spec.ClusterIP, "<none>", "80/TCP,443/TCP"}
	for i, w := range want {
		if c[i] != w {
			t.Errorf("cell %d = %v, want %v", i, c[i], w)
		}
	}
	if c[6] != "app=web" {
		t.Errorf("selector cell %v", c[6])
	}
}

func TestServiceConcurrentClusterIPs(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	const n = 200
	ips := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			svc, err := srv.Client.CoreV1().Services(ns).Create(ctx, simpleService(fmt.Sprintf("s%d", i), 80), metav1.CreateOptions{})
			errs[i] = err
			if err == nil {
				ips[i] = svc.Spec.ClusterIP
			}
		}(i)
	}
	wg.Wait()
	seen := map[string]int{}
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			t.Fatalf("create %d: %v", i, errs[i])
		}
		if j, dup := seen[ips[i]]; dup {
			t.Fatalf("services %d and %d both got %s", i, j, ips[i])
		}
		seen[ips[i]] = i
	}
	list, err := srv.Client.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != n {
		t.Fatalf("list: %v, %d items", err, len(list.Items))
	}
}

func TestServiceConcurrentNodePorts(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	const n = 40
	ports := make([]int32, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			svc := simpleService(fmt.Sprintf("n%d", i), 80)
			svc.Spec.Type = corev1.ServiceTypeNodePort
			got, err := srv.Client.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
			errs[i] = err
			if err == nil {
				ports[i] = got.Spec.Ports[0].NodePort
			}
		}(i)
	}
	wg.Wait()
	seen := map[int32]bool{}
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			t.Fatalf("create %d: %v", i, errs[i])
		}
		if seen[ports[i]] {
			t.Fatalf("nodePort %d given twice", ports[i])
		}
		seen[ports[i]] = true
	}
}

func TestKubernetesService(t *testing.T) {
	ctx := context.Background()
	svc, err := srv.Client.CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Spec.ClusterIP != "10.96.0.1" {
		t.Errorf("kubernetes clusterIP %q", svc.Spec.ClusterIP)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "https" || svc.Spec.Ports[0].Port != 443 {
		t.Errorf("kubernetes ports %+v", svc.Spec.Ports)
	}
	cidr, err := srv.Client.NetworkingV1().ServiceCIDRs().Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cidr.Spec.CIDRs) != 1 || cidr.Spec.CIDRs[0] != serviceCIDR.String() {
		t.Errorf("default ServiceCIDR %v", cidr.Spec.CIDRs)
	}
}
