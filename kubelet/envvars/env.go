package envvars

import (
	"context"
	"fmt"
	"sort"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
)

// EnvVar is one resolved variable as handed to the runtime.
type EnvVar struct {
	Name  string
	Value string
}

// The kubelet's object managers report misses with these singular resource
// names (`configmap "x" not found`), not the API server's plural ones, and
// users see that text in the pod status, so we translate.
var (
	configMapResource = schema.GroupResource{Resource: "configmap"}
	secretResource    = schema.GroupResource{Resource: "secret"}
)

// GetConfigMap fetches a ConfigMap and words a miss the way the kubelet does.
func GetConfigMap(ctx context.Context, client kubernetes.Interface, ns, name string) (*v1.ConfigMap, error) {
	cm, err := client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, apierrors.NewNotFound(configMapResource, name)
	}
	return cm, err
}

// GetSecret fetches a Secret and words a miss the way the kubelet does.
func GetSecret(ctx context.Context, client kubernetes.Interface, ns, name string) (*v1.Secret, error) {
	s, err := client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, apierrors.NewNotFound(secretResource, name)
	}
	return s, err
}

// orderedEnv is a map that remembers first insertion, so that the result is
// stable across calls: upstream iterates a Go map here, and a changing order
// would make otherwise identical container configs differ.
type orderedEnv struct {
	vals  map[string]string
	order []string
}

func (o *orderedEnv) set(k, v string) {
	if _, ok := o.vals[k]; !ok {
		o.order = append(o.order, k)
	}
	o.vals[k] = v
}

// Env resolves c's environment. podIP and hostIP are the addresses known to
// the kubelet; pod.Status.PodIPs/HostIPs, when set, supply the secondary
// family for status.podIPs/hostIPs. allocatable defaults resourceFieldRef
// limits the container does not set.
//
// Order: envFrom and env variables in first-definition order (envFrom keys
// sorted within each source), then service variables not overridden.
func Env(ctx context.Context, client kubernetes.Interface, pod *v1.Pod, c *v1.Container, podIP, hostIP string, allocatable v1.ResourceList) ([]EnvVar, error) {
	enableLinks := pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks
	svcList, err := serviceEnv(ctx, client, pod.Namespace, enableLinks)
	if err != nil {
		return nil, err
	}
	svcEnv := make(map[string]string, len(svcList))
	for _, e := range svcList {
		svcEnv[e.Name] = e.Value
	}

	r := &resolver{ctx: ctx, client: client, pod: pod, configMaps: map[string]*v1.ConfigMap{}, secrets: map[string]*v1.Secret{}}
	env := &orderedEnv{vals: map[string]string{}}

	// envFrom first so that env entries override it.
	for _, from := range c.EnvFrom {
		data, err := r.envFromData(from)
		if err != nil {
			return nil, err
		}
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			env.set(from.Prefix+k, data[k])
		}
	}

	// Expansion sees variables declared so far (including envFrom) before
	// service variables; later declarations are not yet visible, as upstream.
	mapping := MappingFor(env.vals, svcEnv)
	var (
		podIPs  = mergeIPs(podIP, pod.Status.PodIPs, func(p v1.PodIP) string { return p.IP })
		hostIPs = mergeIPs(hostIP, pod.Status.HostIPs, func(h v1.HostIP) string { return h.IP })
	)
	for i := range c.Env {
		ev := &c.Env[i]
		val := ev.Value
		if val != "" {
			val = Expand(val, mapping)
		} else if ev.ValueFrom != nil {
			v, skip, err := r.valueFrom(ev.ValueFrom, c, podIPs, hostIPs, allocatable)
			if err != nil {
				return nil, err
			}
			if skip {
				continue
			}
			val = v
		}
		env.set(ev.Name, val)
	}

	out := make([]EnvVar, 0, len(env.order)+len(svcList))
	for _, k := range env.order {
		out = append(out, EnvVar{Name: k, Value: env.vals[k]})
	}
	for _, e := range svcList {
		if _, overridden := env.vals[e.Name]; !overridden {
			out = append(out, e)
		}
	}
	return out, nil
}

// mergeIPs puts the kubelet's view of the primary address first and keeps
// any further addresses from the pod status.
func mergeIPs[T any](primary string, status []T, ip func(T) string) []string {
	var out []string
	if primary != "" {
		out = append(out, primary)
	}
	for _, s := range status {
		if a := ip(s); a != "" && a != primary {
			out = append(out, a)
		}
	}
	return out
}

// resolver caches ConfigMaps and Secrets for one Env call so that a
// container referring to the same object many times sees one version.
type resolver struct {
	ctx        context.Context
	client     kubernetes.Interface
	pod        *v1.Pod
	configMaps map[string]*v1.ConfigMap
	secrets    map[string]*v1.Secret
}

func (r *resolver) configMap(name string) (*v1.ConfigMap, error) {
	if cm, ok := r.configMaps[name]; ok {
		return cm, nil
	}
	if r.client == nil {
		return nil, fmt.Errorf("couldn't get configMap %v/%v, no kubeClient defined", r.pod.Namespace, name)
	}
	cm, err := GetConfigMap(r.ctx, r.client, r.pod.Namespace, name)
	if err != nil {
		return nil, err
	}
	r.configMaps[name] = cm
	return cm, nil
}

func (r *resolver) secret(name string) (*v1.Secret, error) {
	if s, ok := r.secrets[name]; ok {
		return s, nil
	}
	if r.client == nil {
		return nil, fmt.Errorf("couldn't get secret %v/%v, no kubeClient defined", r.pod.Namespace, name)
	}
	s, err := GetSecret(r.ctx, r.client, r.pod.Namespace, name)
	if err != nil {
		return nil, err
	}
	r.secrets[name] = s
	return s, nil
}

// envFromData returns the unprefixed variables of one envFrom source. Keys
// are passed through unvalidated: since relaxed env var names, upstream no
// longer drops keys that are not C identifiers.
func (r *resolver) envFromData(from v1.EnvFromSource) (map[string]string, error) {
	switch {
	case from.ConfigMapRef != nil:
		cm, err := r.configMap(from.ConfigMapRef.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && isTrue(from.ConfigMapRef.Optional) {
				return nil, nil
			}
			return nil, err
		}
		return cm.Data, nil
	case from.SecretRef != nil:
		s, err := r.secret(from.SecretRef.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && isTrue(from.SecretRef.Optional) {
				return nil, nil
			}
			return nil, err
		}
		out := make(map[string]string, len(s.Data))
		for k, v := range s.Data {
			out[k] = string(v)
		}
		return out, nil
	}
	return nil, nil
}

// valueFrom resolves one env var source; skip reports an optional reference
// that is missing, in which case the variable is left out entirely.
func (r *resolver) valueFrom(src *v1.EnvVarSource, c *v1.Container, podIPs, hostIPs []string, allocatable v1.ResourceList) (val string, skip bool, err error) {
	switch {
	case src.FieldRef != nil:
		v, err := PodFieldValue(src.FieldRef, r.pod, podIPs, hostIPs)
		return v, false, err
	case src.ResourceFieldRef != nil:
		v, err := containerResourceValue(src.ResourceFieldRef, r.pod, c, allocatable)
		return v, false, err
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		optional := isTrue(ref.Optional)
		cm, err := r.configMap(ref.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && optional {
				return "", true, nil
			}
			return "", false, err
		}
		v, ok := cm.Data[ref.Key]
		if !ok {
			if optional {
				return "", true, nil
			}
			return "", false, fmt.Errorf("couldn't find key %v in ConfigMap %v/%v", ref.Key, r.pod.Namespace, ref.Name)
		}
		return v, false, nil
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		optional := isTrue(ref.Optional)
		s, err := r.secret(ref.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && optional {
				return "", true, nil
			}
			return "", false, err
		}
		v, ok := s.Data[ref.Key]
		if !ok {
			if optional {
				return "", true, nil
			}
			return "", false, fmt.Errorf("couldn't find key %v in Secret %v/%v", ref.Key, r.pod.Namespace, ref.Name)
		}
		return string(v), false, nil
	}
	// fileKeyRef and future sources are not supported here; an empty value
	// matches what upstream does with a source it does not recognise.
	return "", false, nil
}

// containerResourceValue mirrors the kubelet: every regular container of the
// pod gets allocatable-defaulted limits, then the selector reads either the
// current container or the one it names.
func containerResourceValue(fs *v1.ResourceFieldSelector, pod *v1.Pod, c *v1.Container, allocatable v1.ResourceList) (string, error) {
	alloc := podAllocatable(pod, allocatable)
	if fs.ContainerName == "" {
		return ResourceValue(fs, WithDefaultLimits(c, alloc))
	}
	defaulted := pod.DeepCopy()
	for i := range defaulted.Spec.Containers {
		defaulted.Spec.Containers[i] = *WithDefaultLimits(&defaulted.Spec.Containers[i], alloc)
	}
	target, err := findContainer(defaulted, fs.ContainerName)
	if err != nil {
		return "", err
	}
	return ResourceValue(fs, target)
}

func isTrue(b *bool) bool { return b != nil && *b }
