package services

import (
	"context"
	"k8s.io/apimachinery/pkg/util/wait"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestDiscoveryShortNamesAndVerbs(t *testing.T) {
	want := map[string]struct {
		gv, short, cats string
		status          bool
	}{
		"services":               {"v1", "svc", "all", true},
		"endpoints":              {"v1", "ep", "", false},
		"nodes":                  {"v1", "no", "", true},
		"persistentvolumes":      {"v1", "pv", "", true},
		"persistentvolumeclaims": {"v1", "pvc", "", true},
		"limitranges":            {"v1", "limits", "", false},
		"resourcequotas":         {"v1", "quota", "", true},
		"componentstatuses":      {"v1", "cs", "", false},
		"endpointslices":         {"discovery.k8s.io/v1", "", "", false},
		"ingresses":              {"networking.k8s.io/v1", "ing", "", true},
		"ingressclasses":         {"networking.k8s.io/v1", "", "", false},
		"networkpolicies":        {"networking.k8s.io/v1", "netpol", "", false},
		"servicecidrs":           {"networking.k8s.io/v1", "", "", true},
		"ipaddresses":            {"networking.k8s.io/v1", "ip", "", false},
	}
	for name, w := range want {
		list, err := srv.Client.Discovery().ServerResourcesForGroupVersion(w.gv)
		if err != nil {
			t.Fatal(err)
		}
		found, status := false, false
		for _, r := range list.APIResources {
			if r.Name == name+"/status" {
				status = true
			}
			if r.Name != name {
				continue
			}
			found = true
			if got := strings.Join(r.ShortNames, ","); got != w.short {
				t.Errorf("%s short names %q, want %q", name, got, w.short)
			}
			if got := strings.Join(r.Categories, ","); got != w.cats {
				t.Errorf("%s categories %q, want %q", name, got, w.cats)
			}
			verbs := strings.Join(r.Verbs, ",")
			if name == "componentstatuses" {
				if verbs != "get,list" {
					t.Errorf("componentstatuses verbs %s", verbs)
				}
			} else if verbs != "create,delete,deletecollection,get,list,patch,update,watch" {
				t.Errorf("%s verbs %s", name, verbs)
			}
		}
		if !found {
			t.Errorf("%s not served in %s", name, w.gv)
		}
		if status != w.status {
			t.Errorf("%s/status served: %v, want %v", name, status, w.status)
		}
	}
}

func TestEndpointsAndSlices(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: "10.1.0.1"}, {IP: "10.1.0.2"}},
			Ports:     []corev1.EndpointPort{{Port: 8080}},
		}},
	}
	got, err := srv.Client.CoreV1().Endpoints(ns).Create(ctx, ep, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Subsets[0].Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("endpoint port protocol %q", got.Subsets[0].Ports[0].Protocol)
	}
	tbl := getTable(t, "/api/v1/namespaces/"+ns+"/endpoints")
	if c := strings.Join(columns(tbl), ","); c != "Name,Endpoints,Age" {
		t.Errorf("endpoints columns %s", c)
	}
	if tbl.Rows[0].Cells[1] != "10.1.0.1:8080,10.1.0.2:8080" {
		t.Errorf("endpoints cell %v", tbl.Rows[0].Cells[1])
	}
	bad := ep.DeepCopy()
	bad.Name = "bad"
	bad.Subsets[0].Addresses[0].IP = "127.0.0.1"
	_, err = srv.Client.CoreV1().Endpoints(ns).Create(ctx, bad, metav1.CreateOptions{})
	assertInvalid(t, err, "subsets[0].addresses[0].ip")

	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "web-abc"},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"10.1.0.1"}}, {Addresses: []string{"10.1.0.2"}}},
		Ports:       []discoveryv1.EndpointPort{{Port: ptr.To[int32](8080)}},
	}
	gotSlice, err := srv.Client.DiscoveryV1().EndpointSlices(ns).Create(ctx, slice, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p := gotSlice.Ports[0]; p.Protocol == nil || *p.Protocol != corev1.ProtocolTCP || p.Name == nil || *p.Name != "" {
		t.Errorf("slice port defaults %+v", p)
	}
	tbl = getTable(t, "/apis/discovery.k8s.io/v1/namespaces/"+ns+"/endpointslices")
	if c := strings.Join(columns(tbl), ","); c != "Name,AddressType,Ports,Endpoints,Age" {
		t.Errorf("endpointslice columns %s", c)
	}
	if c := tbl.Rows[0].Cells; c[1] != "IPv4" || c[2] != "8080" || c[3] != "10.1.0.1,10.1.0.2" {
		t.Errorf("endpointslice row %v", c)
	}
	slice.Name = "v6"
	slice.Endpoints[0].Addresses[0] = "10.0.0.300"
	_, err = srv.Client.DiscoveryV1().EndpointSlices(ns).Create(ctx, slice, metav1.CreateOptions{})
	assertInvalid(t, err, "endpoints[0].addresses[0]")
}

func TestIngressAndClasses(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	class := &networkingv1.IngressClass{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "nginx-", Annotations: map[string]string{networkingv1.AnnotationIsDefaultIngressClass: "true"}},
		Spec: networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx",
			Parameters: &networkingv1.IngressClassParametersReference{Kind: "Config", Name: "cfg", APIGroup: ptr.To("example.com")}},
	}
	gotClass, err := srv.Client.NetworkingV1().IngressClasses().Create(ctx, class, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.NetworkingV1().IngressClasses().Delete(ctx, gotClass.Name, metav1.DeleteOptions{})
	})
	if s := gotClass.Spec.Parameters.Scope; s == nil || *s != networkingv1.IngressClassParametersReferenceScopeCluster {
		t.Errorf("parameters scope %v", s)
	}
	tbl := getTable(t, "/apis/networking.k8s.io/v1/ingressclasses/"+gotClass.Name)
	if c := tbl.Rows[0].Cells; c[0] != gotClass.Name+" (default)" || c[2] != "Config.example.com/cfg" {
		t.Errorf("ingressclass row %v", c)
	}

	prefix := networkingv1.PathTypePrefix
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr.To(gotClass.Name),
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{"a.example.com"}}},
			Rules: []networkingv1.IngressRule{{Host: "a.example.com", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &prefix, Backend: networkingv1.IngressBackend{
					Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}}},
			}}}},
		},
	}
	got, err := srv.Client.NetworkingV1().Ingresses(ns).Create(ctx, ing, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "203.0.113.9"}}
	if _, err := srv.Client.NetworkingV1().Ingresses(ns).UpdateStatus(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	tbl = getTable(t, "/apis/networking.k8s.io/v1/namespaces/"+ns+"/ingresses")
	if c := strings.Join(columns(tbl), ","); c != "Name,Class,Hosts,Address,Ports,Age" {
		t.Errorf("ingress columns %s", c)
	}
	if c := tbl.Rows[0].Cells; c[1] != gotClass.Name || c[2] != "a.example.com" || c[3] != "203.0.113.9" || c[4] != "80, 443" {
		t.Errorf("ingress row %v", c)
	}
	bad := ing.DeepCopy()
	bad.Name = "bad"
	bad.Spec.Rules[0].HTTP.Paths[0].PathType = nil
	_, err = srv.Client.NetworkingV1().Ingresses(ns).Create(ctx, bad, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.rules[0].http.paths[0].pathType")
}

func TestNetworkPolicyDefaults(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	np := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "deny"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			Egress:      []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{}}}},
		},
	}
	got, err := srv.Client.NetworkingV1().NetworkPolicies(ns).Create(ctx, np, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if types := got.Spec.PolicyTypes; len(types) != 2 || types[0] != networkingv1.PolicyTypeIngress || types[1] != networkingv1.PolicyTypeEgress {
		t.Errorf("policyTypes %v", types)
	}
	if p := got.Spec.Egress[0].Ports[0].Protocol; p == nil || *p != corev1.ProtocolTCP {
		t.Errorf("port protocol %v", p)
	}
	tbl := getTable(t, "/apis/networking.k8s.io/v1/namespaces/"+ns+"/networkpolicies")
	if c := tbl.Rows[0].Cells; strings.Join(columns(tbl), ",") != "Name,Pod-Selector,Age" || c[1] != "app=db" {
		t.Errorf("netpol table %v %v", columns(tbl), c)
	}
}

func TestNodes(t *testing.T) {
	ctx := context.Background()
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-test", Labels: map[string]string{"node-role.kubernetes.io/worker": ""}},
		Spec:       corev1.NodeSpec{Unschedulable: true},
	}
	got, err := srv.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Client.CoreV1().Nodes().Delete(ctx, node.Name, metav1.DeleteOptions{}) })
	got.Status = corev1.NodeStatus{
		Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
		Addresses:  []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.0.10"}},
		NodeInfo:   corev1.NodeSystemInfo{KubeletVersion: "v1.37.2", OSImage: "Debian", KernelVersion: "6.1", Architecture: "amd64", ContainerRuntimeVersion: "containerd://2.0"},
		Capacity:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4")},
	}
	st, err := srv.Client.CoreV1().Nodes().UpdateStatus(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if q := st.Status.Allocatable[corev1.ResourceCPU]; q.String() != "4" {
		t.Errorf("allocatable defaulted to %v", st.Status.Allocatable)
	}
	tbl := getTable(t, "/api/v1/nodes/worker-test")
	if c := strings.Join(columns(tbl), ","); c != "Name,Status,Roles,Age,Version,Internal-IP*,External-IP*,OS-Image*,Kernel-Version*,Container-Runtime*" {
		t.Errorf("node columns %s", c)
	}
	c := tbl.Rows[0].Cells
	want := []interface{}{"worker-test", "Ready,SchedulingDisabled", "worker"}
	for i, w := range want {
		if c[i] != w {
			t.Errorf("node cell %d = %v, want %v", i, c[i], w)
		}
	}
	if c[4] != "v1.37.2" || c[5] != "192.168.0.10" || c[6] != "<none>" || c[8] != "6.1 (amd64)" || c[9] != "containerd://2.0" {
		t.Errorf("node row %v", c)
	}
	list, err := srv.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{FieldSelector: "spec.unschedulable=true"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Name != "worker-test" {
		t.Errorf("spec.unschedulable=true selected %d nodes", len(list.Items))
	}
	bad := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "bad-taint"}, Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "k", Effect: "Sometimes"}}}}
	_, err = srv.Client.CoreV1().Nodes().Create(ctx, bad, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.taints[0].effect")
}

func TestPersistentVolumesAndClaims(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "pv-"},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/pv"}},
		},
	}
	gotPV, err := srv.Client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Client.CoreV1().PersistentVolumes().Delete(ctx, gotPV.Name, metav1.DeleteOptions{}) })
	if gotPV.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimRetain ||
		gotPV.Spec.VolumeMode == nil || *gotPV.Spec.VolumeMode != corev1.PersistentVolumeFilesystem ||
		gotPV.Status.Phase != corev1.VolumePending {
		t.Errorf("pv defaults %+v %+v", gotPV.Spec, gotPV.Status)
	}
	tbl := getTable(t, "/api/v1/persistentvolumes/"+gotPV.Name)
	if c := strings.Join(columns(tbl), ","); c != "Name,Capacity,Access Modes,Reclaim Policy,Status,Claim,StorageClass,VolumeAttributesClass,Reason,Age,VolumeMode*" {
		t.Errorf("pv columns %s", c)
	}
	if c := tbl.Rows[0].Cells; c[1] != "1Gi" || c[2] != "RWO" || c[3] != "Retain" || c[4] != "Pending" || c[10] != "Filesystem" {
		t.Errorf("pv row %v", c)
	}
	noSource := pv.DeepCopy()
	noSource.Spec.HostPath = nil
	_, err = srv.Client.CoreV1().PersistentVolumes().Create(ctx, noSource, metav1.CreateOptions{})
	assertInvalid(t, err, "spec")

	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	gotPVC, err := srv.Client.CoreV1().PersistentVolumeClaims(ns).Create(ctx, pvc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if gotPVC.Spec.VolumeMode == nil || *gotPVC.Spec.VolumeMode != corev1.PersistentVolumeFilesystem || gotPVC.Status.Phase != corev1.ClaimPending {
		t.Errorf("pvc defaults %+v %+v", gotPVC.Spec, gotPVC.Status)
	}
	tbl = getTable(t, "/api/v1/namespaces/"+ns+"/persistentvolumeclaims")
	if c := strings.Join(columns(tbl), ","); c != "Name,Status,Volume,Capacity,Access Modes,StorageClass,VolumeAttributesClass,Age,VolumeMode*" {
		t.Errorf("pvc columns %s", c)
	}
	if c := tbl.Rows[0].Cells; c[1] != "Pending" || c[6] != "<unset>" || c[8] != "Filesystem" {
		t.Errorf("pvc row %v", c)
	}
	gotPVC.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}
	_, err = srv.Client.CoreV1().PersistentVolumeClaims(ns).Update(ctx, gotPVC, metav1.UpdateOptions{})
	assertInvalid(t, err, "spec")
	noModes := pvc.DeepCopy()
	noModes.Name = "nomodes"
	noModes.Spec.AccessModes = nil
	_, err = srv.Client.CoreV1().PersistentVolumeClaims(ns).Create(ctx, noModes, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.accessModes")
	noSize := pvc.DeepCopy()
	noSize.Name = "nosize"
	noSize.Spec.Resources.Requests = nil
	_, err = srv.Client.CoreV1().PersistentVolumeClaims(ns).Create(ctx, noSize, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.resources[storage]")
}

func TestLimitRangesAndQuotas(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	lr := &corev1.LimitRange{
		ObjectMeta: metav1.ObjectMeta{Name: "limits"},
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
			Type: corev1.LimitTypeContainer,
			Max:  corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
			Min:  corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
		}}},
	}
	got, err := srv.Client.CoreV1().LimitRanges(ns).Create(ctx, lr, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	item := got.Spec.Limits[0]
	if q := item.Default[corev1.ResourceCPU]; q.String() != "2" {
		t.Errorf("default cpu %v", item.Default)
	}
	if q := item.DefaultRequest[corev1.ResourceCPU]; q.String() != "2" {
		t.Errorf("defaultRequest cpu %v", item.DefaultRequest)
	}
	if q := item.DefaultRequest[corev1.ResourceMemory]; q.String() != "64Mi" {
		t.Errorf("defaultRequest memory %v", item.DefaultRequest)
	}
	tbl := getTable(t, "/api/v1/namespaces/"+ns+"/limitranges")
	if c := strings.Join(columns(tbl), ","); c != "Name,Created At" {
		t.Errorf("limitrange columns %s", c)
	}
	bad := lr.DeepCopy()
	bad.Name = "bad"
	bad.Spec.Limits[0].Min = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3")}
	_, err = srv.Client.CoreV1().LimitRanges(ns).Create(ctx, bad, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.limits[0].min[cpu]")

	quota := &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "q"},
		Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"pods": resource.MustParse("10"), "limits.cpu": resource.MustParse("4")}},
	}
	gotQ, err := srv.Client.CoreV1().ResourceQuotas(ns).Create(ctx, quota, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The quota's status is filled in by the server (admission's quota
	// accounting), as upstream's controller does.
	var c []interface{}
	err = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		tbl = getTable(t, "/api/v1/namespaces/"+ns+"/resourcequotas")
		if len(tbl.Rows) == 0 {
			return false, nil
		}
		c = tbl.Rows[0].Cells
		return c[1] == "pods: 0/10" && c[2] == "limits.cpu: 0/4", nil
	})
	if cols := strings.Join(columns(tbl), ","); cols != "Name,Request,Limit,Age" {
		t.Errorf("quota columns %s", cols)
	}
	if err != nil {
		t.Errorf("quota row %v", c)
	}
	_ = gotQ
	badQ := quota.DeepCopy()
	badQ.Name = "neg"
	badQ.Spec.Hard = corev1.ResourceList{"pods": resource.MustParse("-1")}
	_, err = srv.Client.CoreV1().ResourceQuotas(ns).Create(ctx, badQ, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.hard[pods]")
}

func TestComponentStatuses(t *testing.T) {
	ctx := context.Background()
	list, err := srv.Client.CoreV1().ComponentStatuses().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, cs := range list.Items {
		names = append(names, cs.Name)
		if len(cs.Conditions) != 1 || cs.Conditions[0].Type != corev1.ComponentHealthy || cs.Conditions[0].Status != corev1.ConditionTrue {
			t.Errorf("%s conditions %+v", cs.Name, cs.Conditions)
		}
	}
	if strings.Join(names, ",") != "scheduler,controller-manager,etcd-0" {
		t.Errorf("components %v", names)
	}
	if _, err := srv.Client.CoreV1().ComponentStatuses().Get(ctx, "etcd-0", metav1.GetOptions{}); err != nil {
		t.Error(err)
	}
	tbl := getTable(t, "/api/v1/componentstatuses")
	if c := strings.Join(columns(tbl), ","); c != "Name,Status,Message,Error" {
		t.Errorf("cs columns %s", c)
	}
	if c := tbl.Rows[0].Cells; c[1] != "Healthy" || c[2] != "ok" {
		t.Errorf("cs row %v", c)
	}
}

func TestServiceCIDRsAndIPAddressTable(t *testing.T) {
	ctx := context.Background()
	bad := &networkingv1.ServiceCIDR{ObjectMeta: metav1.ObjectMeta{Name: "bad"}, Spec: networkingv1.ServiceCIDRSpec{CIDRs: []string{"10.0.0.0/8", "11.0.0.0/8"}}}
	_, err := srv.Client.NetworkingV1().ServiceCIDRs().Create(ctx, bad, metav1.CreateOptions{})
	assertInvalid(t, err, "spec.cidrs")
	ns := newNamespace(t)
	svc, err := srv.Client.CoreV1().Services(ns).Create(ctx, simpleService("t", 80), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tbl := getTable(t, "/apis/networking.k8s.io/v1/ipaddresses/"+svc.Spec.ClusterIP)
	if c := strings.Join(columns(tbl), ","); c != "Name,ParentRef" {
		t.Errorf("ipaddress columns %s", c)
	}
	if c := tbl.Rows[0].Cells; c[1] != "services/"+ns+"/t" {
		t.Errorf("ipaddress row %v", c)
	}
	badIP := &networkingv1.IPAddress{ObjectMeta: metav1.ObjectMeta{Name: "010.1.2.3"},
		Spec: networkingv1.IPAddressSpec{ParentRef: &networkingv1.ParentReference{Resource: "services", Name: "x"}}}
	_, err = srv.Client.NetworkingV1().IPAddresses().Create(ctx, badIP, metav1.CreateOptions{})
	assertInvalid(t, err, "metadata.name")
}
