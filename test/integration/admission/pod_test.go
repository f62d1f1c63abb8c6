package admission

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// ServiceAccount, Priority and DefaultTolerationSeconds on a plain pod: the
// shape of upstream's answer (test/compat's pod golden shows it too).
func TestPodDefaults(t *testing.T) {
	ns := newNamespace(t, nil)
	p, err := srv.Client.CoreV1().Pods(ns).Create(ctx, pod("web"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Spec.ServiceAccountName != "default" || p.Spec.DeprecatedServiceAccount != "default" { //nolint:staticcheck
		t.Errorf("serviceAccountName %q, serviceAccount %q; want default", p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount) //nolint:staticcheck
	}
	if len(p.Spec.Volumes) != 1 || !strings.HasPrefix(p.Spec.Volumes[0].Name, "kube-api-access-") || len(p.Spec.Volumes[0].Name) != len("kube-api-access-")+5 {
		t.Fatalf("volumes: %+v", p.Spec.Volumes)
	}
	vol := p.Spec.Volumes[0]
	want := &corev1.ProjectedVolumeSource{
		DefaultMode: ptr.To[int32](420),
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr.To[int64](3607)}},
			{ConfigMap: &corev1.ConfigMapProjection{
				LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
				Items:                []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}},
			}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{
				Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
			}}}},
		},
	}
	if !reflect.DeepEqual(vol.Projected, want) {
		t.Errorf("projected volume:\n got %+v\nwant %+v", vol.Projected, want)
	}
	wantMount := []corev1.VolumeMount{{Name: vol.Name, ReadOnly: true, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"}}
	if !reflect.DeepEqual(p.Spec.Containers[0].VolumeMounts, wantMount) {
		t.Errorf("mounts: %+v", p.Spec.Containers[0].VolumeMounts)
	}
	wantTol := []corev1.Toleration{
		{Key: "node.kubernetes.io/not-ready", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: ptr.To[int64](300)},
		{Key: "node.kubernetes.io/unreachable", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: ptr.To[int64](300)},
	}
	if !reflect.DeepEqual(p.Spec.Tolerations, wantTol) {
		t.Errorf("tolerations: %+v", p.Spec.Tolerations)
	}
	if p.Spec.Priority == nil || *p.Spec.Priority != 0 || p.Spec.PreemptionPolicy == nil || *p.Spec.PreemptionPolicy != corev1.PreemptLowerPriority {
		t.Errorf("priority %v, preemptionPolicy %v; want 0, PreemptLowerPriority", p.Spec.Priority, p.Spec.PreemptionPolicy)
	}
}

func TestServiceAccountOptOutAndExisting(t *testing.T) {
	ns := newNamespace(t, nil)
	// A toleration of every NoExecute taint leaves DefaultTolerationSeconds nothing to add.
	p := pod("no-automount")
	p.Spec.AutomountServiceAccountToken = ptr.To(false)
	p.Spec.Tolerations = []corev1.Toleration{{Operator: "Exists", Effect: "NoExecute"}}
	got, err := srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Spec.Volumes) != 0 || len(got.Spec.Containers[0].VolumeMounts) != 0 {
		t.Errorf("automountServiceAccountToken=false still mounted: %+v", got.Spec.Volumes)
	}
	if len(got.Spec.Tolerations) != 1 {
		t.Errorf("tolerations: %+v", got.Spec.Tolerations)
	}

	// The service account's automount=false and imagePullSecrets apply.
	_, err = srv.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{
		ObjectMeta:                   metav1.ObjectMeta{Name: "robot"},
		AutomountServiceAccountToken: ptr.To(false),
		ImagePullSecrets:             []corev1.LocalObjectReference{{Name: "regcred"}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p = pod("robot")
	p.Spec.ServiceAccountName = "robot"
	got, err = srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Spec.Volumes) != 0 {
		t.Errorf("service account automount=false still mounted: %+v", got.Spec.Volumes)
	}
	if !reflect.DeepEqual(got.Spec.ImagePullSecrets, []corev1.LocalObjectReference{{Name: "regcred"}}) {
		t.Errorf("imagePullSecrets: %+v", got.Spec.ImagePullSecrets)
	}

	p = pod("ghost")
	p.Spec.ServiceAccountName = "ghost"
	_, err = srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	assertForbidden(t, err, `pods "ghost" is forbidden: error looking up service account `+ns+`/ghost: serviceaccount "ghost" not found`)
}

func TestPriority(t *testing.T) {
	ns := newNamespace(t, nil)
	_, err := srv.Client.SchedulingV1().PriorityClasses().Create(ctx, &schedulingv1.PriorityClass{
		ObjectMeta: metav1.ObjectMeta{Name: "admission-high"}, Value: 1000,
		PreemptionPolicy: ptr.To(corev1.PreemptNever),
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.SchedulingV1().PriorityClasses().Delete(ctx, "admission-high", metav1.DeleteOptions{})
	})
	for class, want := range map[string]int32{"admission-high": 1000, "system-node-critical": 2000001000, "system-cluster-critical": 2000000000} {
		p := pod(class)
		p.Spec.PriorityClassName = class
		var got *corev1.Pod
		eventually(t, "the class in the cache", func() (bool, error) {
			got, err = srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
			return err == nil, nil
		})
		if got.Spec.Priority == nil || *got.Spec.Priority != want {
			t.Errorf("%s: priority %v, want %d", class, got.Spec.Priority, want)
		}
	}
	got, _ := srv.Client.CoreV1().Pods(ns).Get(ctx, "admission-high", metav1.GetOptions{})
	if got.Spec.PreemptionPolicy == nil || *got.Spec.PreemptionPolicy != corev1.PreemptNever {
		t.Errorf("preemptionPolicy %v, want Never", got.Spec.PreemptionPolicy)
	}

	p := pod("unknown")
	p.Spec.PriorityClassName = "no-such-class"
	_, err = srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	assertForbidden(t, err, `pods "unknown" is forbidden: no PriorityClass with name no-such-class was found`)

	p = pod("mismatch")
	p.Spec.PriorityClassName = "system-node-critical"
	p.Spec.Priority = ptr.To[int32](5)
	_, err = srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	assertForbidden(t, err, `pods "mismatch" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 2000001000 from the given PriorityClass name`)

	// One global default at most; pods without a class get it.
	_, err = srv.Client.SchedulingV1().PriorityClasses().Create(ctx, &schedulingv1.PriorityClass{
		ObjectMeta: metav1.ObjectMeta{Name: "admission-default"}, Value: 7, GlobalDefault: true,
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Client.SchedulingV1().PriorityClasses().Delete(ctx, "admission-default", metav1.DeleteOptions{})
	})
	eventually(t, "the default class in the cache", func() (bool, error) {
		_, err = srv.Client.SchedulingV1().PriorityClasses().Create(ctx, &schedulingv1.PriorityClass{
			ObjectMeta: metav1.ObjectMeta{Name: "admission-default2"}, Value: 8, GlobalDefault: true,
		}, metav1.CreateOptions{})
		return err != nil, nil
	})
	assertForbidden(t, err, `priorityclasses.scheduling.k8s.io "admission-default2" is forbidden: PriorityClass admission-default is already marked as default. Only one default can exist`)
	got, err = srv.Client.CoreV1().Pods(ns).Create(ctx, pod("defaulted"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.PriorityClassName != "admission-default" || got.Spec.Priority == nil || *got.Spec.Priority != 7 {
		t.Errorf("default class: %q %v", got.Spec.PriorityClassName, got.Spec.Priority)
	}
}

func TestLimitRanger(t *testing.T) {
	ns := newNamespace(t, nil)
	_, err := srv.Client.CoreV1().LimitRanges(ns).Create(ctx, &corev1.LimitRange{
		ObjectMeta: metav1.ObjectMeta{Name: "limits"},
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
			Type:           corev1.LimitTypeContainer,
			Default:        corev1.ResourceList{"cpu": resource.MustParse("500m"), "memory": resource.MustParse("256Mi")},
			DefaultRequest: corev1.ResourceList{"cpu": resource.MustParse("100m")},
			Max:            corev1.ResourceList{"cpu": resource.MustParse("1")},
		}, {
			Type: corev1.LimitTypePersistentVolumeClaim,
			Max:  corev1.ResourceList{"storage": resource.MustParse("5Gi")},
		}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := srv.Client.CoreV1().Pods(ns).Create(ctx, pod("defaulted"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := got.Spec.Containers[0].Resources
	if r.Limits.Cpu().String() != "500m" || r.Limits.Memory().String() != "256Mi" || r.Requests.Cpu().String() != "100m" || r.Requests.Memory().String() != "256Mi" {
		t.Errorf("resources: %+v", r)
	}
	// defaultRequest.memory is defaulted from default.memory.
	if a := got.Annotations["kubernetes.io/limit-ranger"]; a != "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c" {
		t.Errorf("annotation %q", a)
	}
	if got.Status.QOSClass != corev1.PodQOSBurstable {
		t.Errorf("qosClass %q", got.Status.QOSClass)
	}

	p := pod("too-big")
	p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{"cpu": resource.MustParse("2")}
	_, err = srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	assertForbidden(t, err, `pods "too-big" is forbidden: maximum cpu usage per Container is 1, but limit is 2`)

	_, err = srv.Client.CoreV1().PersistentVolumeClaims(ns).Create(ctx, &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "big"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{"storage": resource.MustParse("10Gi")}},
		},
	}, metav1.CreateOptions{})
	assertForbidden(t, err, `persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 5Gi, but request is 10Gi`)
}

func TestRuntimeClass(t *testing.T) {
	ns := newNamespace(t, nil)
	_, err := srv.Client.NodeV1().RuntimeClasses().Create(ctx, &nodev1.RuntimeClass{
		ObjectMeta: metav1.ObjectMeta{Name: "admission-kata"},
		Handler:    "kata",
		Overhead:   &nodev1.Overhead{PodFixed: corev1.ResourceList{"cpu": resource.MustParse("250m")}},
		Scheduling: &nodev1.Scheduling{
			NodeSelector: map[string]string{"runtime": "kata"},
			Tolerations:  []corev1.Toleration{{Key: "kata", Operator: "Exists", Effect: "NoSchedule"}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Client.NodeV1().RuntimeClasses().Delete(ctx, "admission-kata", metav1.DeleteOptions{}) })
	p := pod("kata")
	p.Spec.RuntimeClassName = ptr.To("admission-kata")
	got, err := srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Overhead.Cpu().String() != "250m" || got.Spec.NodeSelector["runtime"] != "kata" {
		t.Errorf("overhead %v, nodeSelector %v", got.Spec.Overhead, got.Spec.NodeSelector)
	}
	// RuntimeClass runs after DefaultTolerationSeconds.
	if len(got.Spec.Tolerations) != 3 || got.Spec.Tolerations[2].Key != "kata" {
		t.Errorf("tolerations: %+v", got.Spec.Tolerations)
	}

	p = pod("missing")
	p.Spec.RuntimeClassName = ptr.To("no-such-runtime")
	_, err = srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	assertForbidden(t, err, `pods "missing" is forbidden: pod rejected: RuntimeClass "no-such-runtime" not found`)

	p = pod("overhead")
	p.Spec.Overhead = corev1.ResourceList{"cpu": resource.MustParse("1")}
	_, err = srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	assertForbidden(t, err, `pods "overhead" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead`)
}

func TestPodSecurity(t *testing.T) {
	ns := newNamespace(t, map[string]string{"pod-security.kubernetes.io/enforce": "restricted"})
	p := pod("priv")
	p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
	_, err := srv.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	assertForbidden(t, err, `pods "priv" is forbidden: violates PodSecurity "restricted:latest": `+
		`privileged (container "c" must not set securityContext.privileged=true), `+
		`allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), `+
		`unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), `+
		`runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), `+
		`seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`)

	// A compliant pod passes.
	ok := pod("restricted")
	ok.Spec.SecurityContext = &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr.To(true),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
	ok.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
	if _, err := srv.Client.CoreV1().Pods(ns).Create(ctx, ok, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// Unlabelled namespaces are privileged.
	open := newNamespace(t, nil)
	if _, err := srv.Client.CoreV1().Pods(open).Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// An invalid level label is rejected on the namespace.
	_, err = srv.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: "admission-bad-level", Labels: map[string]string{"pod-security.kubernetes.io/enforce": "strict"},
	}}, metav1.CreateOptions{})
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Code != 422 ||
		status.Status().Message != `Namespace "admission-bad-level" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted` {
		t.Errorf("invalid level: %v", err)
	}
}
