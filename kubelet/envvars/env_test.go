package envvars

import (
	"context"
	"fmt"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
)

func svc(ns, name, ip string, ports ...v1.ServicePort) *v1.Service {
	return &v1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: v1.ServiceSpec{ClusterIP: ip, Ports: ports}}
}

func ptr[T any](v T) *T { return &v }

func basePod() *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", UID: "uid-1",
			Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"note": "hi"}},
		Spec:   v1.PodSpec{NodeName: "node1", ServiceAccountName: "sa"},
		Status: v1.PodStatus{PodIPs: []v1.PodIP{{IP: "10.0.0.5"}, {IP: "fd00::5"}}},
	}
}

func objects() []runtime.Object {
	return []runtime.Object{
		svc("default", "kubernetes", "10.96.0.1", v1.ServicePort{Name: "https", Port: 443, Protocol: v1.ProtocolTCP}),
		svc("ns", "my-db", "10.96.0.9", v1.ServicePort{Port: 5432}, v1.ServicePort{Name: "metrics", Port: 9000, Protocol: v1.ProtocolUDP}),
		svc("ns", "headless", "None", v1.ServicePort{Port: 80}),
		svc("other", "elsewhere", "10.96.0.10", v1.ServicePort{Port: 80}),
		&v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cfg"}, Data: map[string]string{"b": "2", "a": "1", "weird.key": "w"}},
		&v1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "sec"}, Data: map[string][]byte{"password": []byte("s3cr3t")}},
	}
}

var kubernetesVars = []EnvVar{
	{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
	{"KUBERNETES_SERVICE_PORT", "443"},
	{"KUBERNETES_SERVICE_PORT_HTTPS", "443"},
	{"KUBERNETES_PORT", "tcp://10.96.0.1:443"},
	{"KUBERNETES_PORT_443_TCP", "tcp://10.96.0.1:443"},
	{"KUBERNETES_PORT_443_TCP_PROTO", "tcp"},
	{"KUBERNETES_PORT_443_TCP_PORT", "443"},
	{"KUBERNETES_PORT_443_TCP_ADDR", "10.96.0.1"},
}

var myDBVars = []EnvVar{
	{"MY_DB_SERVICE_HOST", "10.96.0.9"},
	{"MY_DB_SERVICE_PORT", "5432"},
	{"MY_DB_SERVICE_PORT_METRICS", "9000"},
	{"MY_DB_PORT", "tcp://10.96.0.9:5432"},
	{"MY_DB_PORT_5432_TCP", "tcp://10.96.0.9:5432"},
	{"MY_DB_PORT_5432_TCP_PROTO", "tcp"},
	{"MY_DB_PORT_5432_TCP_PORT", "5432"},
	{"MY_DB_PORT_5432_TCP_ADDR", "10.96.0.9"},
	{"MY_DB_PORT_9000_UDP", "udp://10.96.0.9:9000"},
	{"MY_DB_PORT_9000_UDP_PROTO", "udp"},
	{"MY_DB_PORT_9000_UDP_PORT", "9000"},
	{"MY_DB_PORT_9000_UDP_ADDR", "10.96.0.9"},
}

func concat(lists ...[]EnvVar) []EnvVar {
	var out []EnvVar
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func TestEnv(t *testing.T) {
	alloc := v1.ResourceList{v1.ResourceCPU: resource.MustParse("4"), v1.ResourceMemory: resource.MustParse("8Gi")}
	for _, tc := range []struct {
		name    string
		mutate  func(*v1.Pod, *v1.Container)
		want    []EnvVar // exact list when set
		subset  map[string]string
		absent  []string
		wantErr string
	}{
		{
			name: "service links on by default, master service first by name",
			want: concat(kubernetesVars, myDBVars),
		},
		{
			name:   "service links off still injects the master service",
			mutate: func(p *v1.Pod, c *v1.Container) { p.Spec.EnableServiceLinks = ptr(false) },
			want:   kubernetesVars,
		},
		{
			name: "env overrides service var and keeps declaration order",
			mutate: func(p *v1.Pod, c *v1.Container) {
				p.Spec.EnableServiceLinks = ptr(false)
				c.Env = []v1.EnvVar{{Name: "Z", Value: "z"}, {Name: "KUBERNETES_SERVICE_HOST", Value: "override"}, {Name: "A", Value: "a"}}
			},
			want: concat([]EnvVar{{"Z", "z"}, {"KUBERNETES_SERVICE_HOST", "override"}, {"A", "a"}}, kubernetesVars[1:]),
		},
		{
			name: "envFrom with prefix, sorted keys, env overrides in place",
			mutate: func(p *v1.Pod, c *v1.Container) {
				p.Spec.EnableServiceLinks = ptr(false)
				c.EnvFrom = []v1.EnvFromSource{
					{ConfigMapRef: &v1.ConfigMapEnvSource{LocalObjectReference: v1.LocalObjectReference{Name: "cfg"}}},
					{Prefix: "S_", SecretRef: &v1.SecretEnvSource{LocalObjectReference: v1.LocalObjectReference{Name: "sec"}}},
					{ConfigMapRef: &v1.ConfigMapEnvSource{LocalObjectReference: v1.LocalObjectReference{Name: "missing"}, Optional: ptr(true)}},
				}
				c.Env = []v1.EnvVar{{Name: "b", Value: "override-$(a)"}}
			},
			want: concat([]EnvVar{{"a", "1"}, {"b", "override-1"}, {"weird.key", "w"}, {"S_password", "s3cr3t"}}, kubernetesVars),
		},
		{
			name: "expansion: earlier vars, service vars, escapes, undefined, later vars not visible",
			mutate: func(p *v1.Pod, c *v1.Container) {
				c.Env = []v1.EnvVar{
					{Name: "HOST", Value: "$(MY_DB_SERVICE_HOST)"},
					{Name: "URL", Value: "http://$(HOST):$(PORT)/$$(HOST)/$(NOPE)"},
					{Name: "PORT", Value: "80"},
				}
			},
			subset: map[string]string{"HOST": "10.96.0.9", "URL": "http://10.96.0.9:$(PORT)/$(HOST)/$(NOPE)"},
		},
		{
			name: "fieldRefs",
			mutate: func(p *v1.Pod, c *v1.Container) {
				f := func(n, path string) v1.EnvVar {
					return v1.EnvVar{Name: n, ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{APIVersion: "v1", FieldPath: path}}}
				}
				c.Env = []v1.EnvVar{
					f("NAME", "metadata.name"), f("NS", "metadata.namespace"), f("UID", "metadata.uid"),
					f("APP", "metadata.labels['app']"), f("NOTE", "metadata.annotations['note']"),
					f("LABELS", "metadata.labels"), f("NODE", "spec.nodeName"), f("SA", "spec.serviceAccountName"),
					f("HOSTIP", "status.hostIP"), f("HOSTIPS", "status.hostIPs"),
					f("PODIP", "status.podIP"), f("PODIPS", "status.podIPs"),
				}
			},
			subset: map[string]string{
				"NAME": "web", "NS": "ns", "UID": "uid-1", "APP": "web", "NOTE": "hi", "LABELS": `app="web"`,
				"NODE": "node1", "SA": "sa", "HOSTIP": "192.168.1.10", "HOSTIPS": "192.168.1.10",
				"PODIP": "10.0.0.5", "PODIPS": "10.0.0.5,fd00::5",
			},
		},
		{
			name: "unsupported fieldRef",
			mutate: func(p *v1.Pod, c *v1.Container) {
				c.Env = []v1.EnvVar{{Name: "X", ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{FieldPath: "spec.bogus"}}}}
			},
			wantErr: "field label not supported: spec.bogus",
		},
		{
			name: "resourceFieldRef with divisor and allocatable default",
			mutate: func(p *v1.Pod, c *v1.Container) {
				c.Resources = v1.ResourceRequirements{
					Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse("250m"), v1.ResourceMemory: resource.MustParse("64Mi")},
					Limits:   v1.ResourceList{v1.ResourceCPU: resource.MustParse("1500m")},
				}
				r := func(n, res, div string) v1.EnvVar {
					s := &v1.ResourceFieldSelector{Resource: res}
					if div != "" {
						s.Divisor = resource.MustParse(div)
					}
					return v1.EnvVar{Name: n, ValueFrom: &v1.EnvVarSource{ResourceFieldRef: s}}
				}
				c.Env = []v1.EnvVar{
					r("CPU_LIMIT", "limits.cpu", ""), r("CPU_LIMIT_M", "limits.cpu", "1m"),
					r("CPU_REQ", "requests.cpu", ""), r("MEM_REQ_MI", "requests.memory", "1Mi"),
					r("MEM_LIMIT", "limits.memory", ""), r("MEM_LIMIT_GI", "limits.memory", "1Gi"),
				}
			},
			subset: map[string]string{
				"CPU_LIMIT": "2", "CPU_LIMIT_M": "1500", "CPU_REQ": "1", "MEM_REQ_MI": "64",
				"MEM_LIMIT": fmt.Sprint(8 << 30), "MEM_LIMIT_GI": "8",
			},
		},
		{
			name: "configMapKeyRef and secretKeyRef, optional misses skipped",
			mutate: func(p *v1.Pod, c *v1.Container) {
				c.Env = []v1.EnvVar{
					{Name: "A", ValueFrom: &v1.EnvVarSource{ConfigMapKeyRef: &v1.ConfigMapKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "cfg"}, Key: "a"}}},
					{Name: "P", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "sec"}, Key: "password"}}},
					{Name: "OPT1", ValueFrom: &v1.EnvVarSource{ConfigMapKeyRef: &v1.ConfigMapKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "cfg"}, Key: "nope", Optional: ptr(true)}}},
					{Name: "OPT2", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "gone"}, Key: "x", Optional: ptr(true)}}},
				}
			},
			subset: map[string]string{"A": "1", "P": "s3cr3t"},
			absent: []string{"OPT1", "OPT2"},
		},
		{
			name: "missing configmap",
			mutate: func(p *v1.Pod, c *v1.Container) {
				c.Env = []v1.EnvVar{{Name: "A", ValueFrom: &v1.EnvVarSource{ConfigMapKeyRef: &v1.ConfigMapKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "x"}, Key: "a"}}}}
			},
			wantErr: `configmap "x" not found`,
		},
		{
			name: "missing configmap key",
			mutate: func(p *v1.Pod, c *v1.Container) {
				c.Env = []v1.EnvVar{{Name: "A", ValueFrom: &v1.EnvVarSource{ConfigMapKeyRef: &v1.ConfigMapKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "cfg"}, Key: "y"}}}}
			},
			wantErr: "couldn't find key y in ConfigMap ns/cfg",
		},
		{
			name: "missing secret via envFrom",
			mutate: func(p *v1.Pod, c *v1.Container) {
				c.EnvFrom = []v1.EnvFromSource{{SecretRef: &v1.SecretEnvSource{LocalObjectReference: v1.LocalObjectReference{Name: "nope"}}}}
			},
			wantErr: `secret "nope" not found`,
		},
		{
			name: "missing secret key",
			mutate: func(p *v1.Pod, c *v1.Container) {
				c.Env = []v1.EnvVar{{Name: "A", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "sec"}, Key: "user"}}}}
			},
			wantErr: "couldn't find key user in Secret ns/sec",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := fake.NewSimpleClientset(objects()...)
			pod := basePod()
			pod.Spec.Containers = []v1.Container{{Name: "app"}}
			c := &pod.Spec.Containers[0]
			if tc.mutate != nil {
				tc.mutate(pod, c)
			}
			got, err := Env(context.Background(), client, pod, c, "10.0.0.5", "192.168.1.10", alloc)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil && fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("env:\n got  %v\n want %v", got, tc.want)
			}
			m := map[string]string{}
			for _, e := range got {
				if _, dup := m[e.Name]; dup {
					t.Errorf("duplicate %s", e.Name)
				}
				m[e.Name] = e.Value
			}
			for k, v := range tc.subset {
				if m[k] != v {
					t.Errorf("%s = %q, want %q", k, m[k], v)
				}
			}
			for _, k := range tc.absent {
				if _, ok := m[k]; ok {
					t.Errorf("%s should be absent", k)
				}
			}
			if strings.Contains(fmt.Sprint(got), "ELSEWHERE") || strings.Contains(fmt.Sprint(got), "HEADLESS") {
				t.Errorf("service from another namespace or headless leaked: %v", got)
			}
		})
	}
}

func TestVolumeResourceValue(t *testing.T) {
	pod := basePod()
	pod.Spec.Containers = []v1.Container{{Name: "app", Resources: v1.ResourceRequirements{Limits: v1.ResourceList{v1.ResourceMemory: resource.MustParse("128Mi")}}}}
	alloc := v1.ResourceList{v1.ResourceCPU: resource.MustParse("3")}
	for _, tc := range []struct{ res, div, want, err string }{
		{"limits.memory", "1Mi", "128", ""},
		{"limits.cpu", "", "3", ""},
		{"limits.cpu", "100m", "30", ""},
		{"requests.cpu", "", "0", ""},
		{"limits.bogus", "", "", "unsupported container resource : limits.bogus"},
	} {
		fs := &v1.ResourceFieldSelector{ContainerName: "app", Resource: tc.res}
		if tc.div != "" {
			fs.Divisor = resource.MustParse(tc.div)
		}
		got, err := VolumeResourceValue(fs, pod, alloc)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: err %v, want %s", tc.res, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s/%s = %q, %v; want %q", tc.res, tc.div, got, err, tc.want)
		}
	}
}
