package service

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func valid() *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.ServiceSpec{
			Selector:   map[string]string{"app": "web"},
			Ports:      []corev1.ServicePort{{Port: 80}},
			ClusterIP:  "10.96.0.10",
			ClusterIPs: []string{"10.96.0.10"},
		},
	}
	SetDefaults(s)
	p := corev1.IPFamilyPolicySingleStack
	s.Spec.IPFamilyPolicy = &p
	s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
	return s
}

func hasField(_ interface{}, list []string, field string) bool {
	for _, f := range list {
		if f == field {
			return true
		}
	}
	return false
}

func errFields(s *corev1.Service, old *corev1.Service) []string {
	var errs []string
	var list = ValidateCreate(s)
	if old != nil {
		list = ValidateUpdate(s, old)
	}
	for _, e := range list {
		errs = append(errs, e.Field)
	}
	return errs
}

func TestValidate(t *testing.T) {
	if errs := ValidateCreate(valid()); len(errs) != 0 {
		t.Fatalf("valid service rejected: %v", errs)
	}
	cases := map[string]struct {
		mutate func(*corev1.Service)
		field  string
	}{
		"no ports":         {func(s *corev1.Service) { s.Spec.Ports = nil }, "spec.ports"},
		"bad port":         {func(s *corev1.Service) { s.Spec.Ports[0].Port = 70000 }, "spec.ports[0].port"},
		"bad target":       {func(s *corev1.Service) { s.Spec.Ports[0].TargetPort = intstr.FromString("-x") }, "spec.ports[0].targetPort"},
		"bad protocol":     {func(s *corev1.Service) { s.Spec.Ports[0].Protocol = "ICMP" }, "spec.ports[0].protocol"},
		"mismatched ips":   {func(s *corev1.Service) { s.Spec.ClusterIPs = []string{"10.96.0.11"} }, "spec.clusterIPs"},
		"bad affinity":     {func(s *corev1.Service) { s.Spec.SessionAffinity = "Sticky" }, "spec.sessionAffinity"},
		"external on cip":  {func(s *corev1.Service) { s.Spec.ExternalTrafficPolicy = "Local" }, "spec.externalTrafficPolicy"},
		"bad external ip":  {func(s *corev1.Service) { s.Spec.ExternalIPs = []string{"127.0.0.1"} }, "spec.externalIPs[0]"},
		"lb ranges not lb": {func(s *corev1.Service) { s.Spec.LoadBalancerSourceRanges = []string{"10.0.0.0/8"} }, "spec.LoadBalancerSourceRanges"},
		"missing itp":      {func(s *corev1.Service) { s.Spec.InternalTrafficPolicy = nil }, "spec.internalTrafficPolicy"},
		"dup ports":        {func(s *corev1.Service) { s.Spec.Ports = append(s.Spec.Ports, s.Spec.Ports[0]) }, "spec.ports[1]"},
		"bad family":       {func(s *corev1.Service) { s.Spec.IPFamilies = []corev1.IPFamily{"IPv5"} }, "spec.ipFamilies[0]"},
		"v6 ip for v4":     {func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.ClusterIPs = "fd00::1", []string{"fd00::1"} }, "spec.clusterIPs[0]"},
		"none with others": {func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.ClusterIPs = "None", []string{"None", "10.96.0.1"} }, "spec.clusterIPs"},
		"name not a label": {func(s *corev1.Service) { s.Name = "a.b" }, "metadata.name"},
		"bad selector":     {func(s *corev1.Service) { s.Spec.Selector = map[string]string{"a": "b c"} }, "spec.selector"},
		"headless nodeport": {func(s *corev1.Service) {
			s.Spec.Type = "NodePort"
			s.Spec.ClusterIP, s.Spec.ClusterIPs = "None", []string{"None"}
		}, "spec.clusterIPs[0]"},
	}
	for name, c := range cases {
		s := valid()
		c.mutate(s)
		if f := errFields(s, nil); !hasField(nil, f, c.field) {
			t.Errorf("%s: want error on %s, got %v", name, c.field, f)
		}
	}
}

func TestValidateUpdateClusterIPImmutable(t *testing.T) {
	old := valid()
	old.ResourceVersion = "1"
	s := old.DeepCopy()
	s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.96.0.12", []string{"10.96.0.12"}
	if f := errFields(s, old); !hasField(nil, f, "spec.clusterIPs[0]") {
		t.Errorf("clusterIP change accepted: %v", f)
	}
}

// FuzzValidate checks the validators never panic, whatever the ports,
// IPs and type.
func FuzzValidate(f *testing.F) {
	f.Add("ClusterIP", "10.96.0.1", int32(80), "http", "TCP", "")
	f.Add("NodePort", "None", int32(0), "", "UDP", "example.com")
	f.Add("ExternalName", "", int32(70000), "-", "", "a..b")
	f.Fuzz(func(t *testing.T, typ, ip string, port int32, name, proto, ext string) {
		s := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "default", ResourceVersion: "1"},
			Spec: corev1.ServiceSpec{
				Type: corev1.ServiceType(typ), ClusterIP: ip, ExternalName: ext,
				Ports: []corev1.ServicePort{{Name: name, Port: port, Protocol: corev1.Protocol(proto), NodePort: port}},
			},
		}
		SetDefaults(s)
		normalizeClusterIPs(s, nil)
		_ = ValidateCreate(s)
		old := s.DeepCopy()
		s.Spec.ClusterIP = ip + "1"
		normalizeClusterIPs(s, old)
		_ = ValidateUpdate(s, old)
		_ = ValidateStatusUpdate(s, old)
		_ = Table.Row(s)
	})
}
