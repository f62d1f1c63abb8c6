// Package serviceaccount is kube-apiserver's ServiceAccount admission plugin
// (plugin/pkg/admission/serviceaccount): pods get the "default" service
// account when they name none, the account must exist, its image pull
// secrets are copied, and the projected kube-api-access-<random> volume with
// a bound token, the cluster CA and the namespace is mounted into every
// container unless automounting is turned off on the pod or the account.
package serviceaccount

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/apiserver/pkg/storage/names"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/utils/ptr"

	skiffadmission "github.com/skiff-k8s/skiff/admission"
)

const (
	// PluginName is upstream's plugin name.
	PluginName = "ServiceAccount"
	// DefaultServiceAccountName is set on pods that name no service account.
	DefaultServiceAccountName = "default"
	// EnforceMountableSecretsAnnotation on a service account limits the
	// secrets its pods may reference to the account's secrets.
	EnforceMountableSecretsAnnotation = "kubernetes.io/enforce-mountable-secrets"
	// VolumeNamePrefix prefixes the generated token volume's name.
	VolumeNamePrefix = "kube-api-access"
	// DefaultAPITokenMountPath is where the token volume is mounted.
	DefaultAPITokenMountPath = "/var/run/secrets/kubernetes.io/serviceaccount"
	// mirrorPodAnnotation marks static pods mirrored by a kubelet.
	mirrorPodAnnotation = "kubernetes.io/config.mirror"
	// tokenExpirationSeconds is upstream's WarnOnlyBoundTokenExpirationSeconds.
	tokenExpirationSeconds = 60*60 + 7
)

func init() {
	skiffadmission.Register(skiffadmission.Plugin{Name: PluginName, New: func(io.Reader) (admission.Interface, error) {
		return New(), nil
	}})
}

// Plugin is the ServiceAccount admission plugin.
type Plugin struct {
	*admission.Handler
	client       kubernetes.Interface
	lister       corev1listers.ServiceAccountLister
	generateName func(string) string
}

var (
	_ admission.MutationInterface                  = &Plugin{}
	_ admission.ValidationInterface                = &Plugin{}
	_ initializer.WantsExternalKubeClientSet       = &Plugin{}
	_ initializer.WantsExternalKubeInformerFactory = &Plugin{}
)

// New returns the plugin.
func New() *Plugin {
	return &Plugin{
		Handler:      admission.NewHandler(admission.Create, admission.Update),
		generateName: names.SimpleNameGenerator.GenerateName,
	}
}

// SetExternalKubeClientSet implements initializer.WantsExternalKubeClientSet.
func (p *Plugin) SetExternalKubeClientSet(c kubernetes.Interface) { p.client = c }

// SetExternalKubeInformerFactory implements initializer.WantsExternalKubeInformerFactory.
func (p *Plugin) SetExternalKubeInformerFactory(f informers.SharedInformerFactory) {
	inf := f.Core().V1().ServiceAccounts()
	p.lister = inf.Lister()
	p.SetReadyFunc(inf.Informer().HasSynced)
}

// ValidateInitialization implements admission.InitializationValidator.
func (p *Plugin) ValidateInitialization() error {
	if p.client == nil {
		return fmt.Errorf("missing client")
	}
	if p.lister == nil {
		return fmt.Errorf("missing serviceAccountLister")
	}
	return nil
}

// Admit defaults the service account and mounts its token.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	if shouldIgnore(a) || a.GetOperation() != admission.Create {
		return nil
	}
	pod := a.GetObject().(*corev1.Pod)
	if _, mirror := pod.Annotations[mirrorPodAnnotation]; mirror {
		return p.Validate(ctx, a, o)
	}
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = DefaultServiceAccountName
		pod.Spec.DeprecatedServiceAccount = DefaultServiceAccountName //nolint:staticcheck // kept in sync as upstream
	}
	sa, err := p.getServiceAccount(ctx, a.GetNamespace(), pod.Spec.ServiceAccountName)
	if err != nil {
		return admission.NewForbidden(a, fmt.Errorf("error looking up service account %s/%s: %w", a.GetNamespace(), pod.Spec.ServiceAccountName, err))
	}
	if shouldAutomount(sa, pod) {
		p.mountServiceAccountToken(pod)
	}
	if len(pod.Spec.ImagePullSecrets) == 0 {
		pod.Spec.ImagePullSecrets = make([]corev1.LocalObjectReference, len(sa.ImagePullSecrets))
		for i := range sa.ImagePullSecrets {
			pod.Spec.ImagePullSecrets[i].Name = sa.ImagePullSecrets[i].Name
		}
	}
	return p.Validate(ctx, a, o)
}

// Validate checks the service account exists and, when it asks for it,
// that the pod references only its secrets.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	if shouldIgnore(a) {
		return nil
	}
	pod := a.GetObject().(*corev1.Pod)
	if a.GetOperation() == admission.Update && a.GetSubresource() == "ephemeralcontainers" {
		return p.limitEphemeralContainerSecretReferences(ctx, pod, a)
	}
	if a.GetOperation() != admission.Create {
		return nil
	}
	if _, mirror := pod.Annotations[mirrorPodAnnotation]; mirror {
		if pod.Spec.ServiceAccountName != "" {
			return admission.NewForbidden(a, fmt.Errorf("a mirror pod may not reference service accounts"))
		}
		if podHasSecrets(pod) {
			return admission.NewForbidden(a, fmt.Errorf("a mirror pod may not reference secrets"))
		}
		for _, v := range pod.Spec.Volumes {
			if v.Projected == nil {
				continue
			}
			for _, src := range v.Projected.Sources {
				if src.ServiceAccountToken != nil {
					return admission.NewForbidden(a, fmt.Errorf("a mirror pod may not use ServiceAccountToken volume projections"))
				}
			}
		}
		return nil
	}
	if pod.Spec.ServiceAccountName == "" {
		return admission.NewForbidden(a, fmt.Errorf("no service account specified for pod %s/%s", a.GetNamespace(), pod.Name))
	}
	sa, err := p.getServiceAccount(ctx, a.GetNamespace(), pod.Spec.ServiceAccountName)
	if err != nil {
		return admission.NewForbidden(a, fmt.Errorf("error looking up service account %s/%s: %v", a.GetNamespace(), pod.Spec.ServiceAccountName, err))
	}
	if enforceMountableSecrets(sa) {
		if err := limitSecretReferences(sa, pod); err != nil {
			return admission.NewForbidden(a, err)
		}
	}
	return nil
}

func shouldIgnore(a admission.Attributes) bool {
	if a.GetResource().GroupResource() != corev1.Resource("pods") || (a.GetSubresource() != "" && a.GetSubresource() != "ephemeralcontainers") {
		return true
	}
	_, ok := a.GetObject().(*corev1.Pod)
	return !ok
}

func shouldAutomount(sa *corev1.ServiceAccount, pod *corev1.Pod) bool {
	if pod.Spec.AutomountServiceAccountToken != nil {
		return *pod.Spec.AutomountServiceAccountToken
	}
	if sa.AutomountServiceAccountToken != nil {
		return *sa.AutomountServiceAccountToken
	}
	return true
}

func enforceMountableSecrets(sa *corev1.ServiceAccount) bool {
	if v, ok := sa.Annotations[EnforceMountableSecretsAnnotation]; ok {
		b, _ := strconv.ParseBool(v)
		return b
	}
	return false
}

// getServiceAccount reads the account from the cache, then from the API,
// retrying for "default", which a controller creates with the namespace.
func (p *Plugin) getServiceAccount(ctx context.Context, namespace, name string) (*corev1.ServiceAccount, error) {
	sa, err := p.lister.ServiceAccounts(namespace).Get(name)
	if err == nil {
		return sa, nil
	}
	if !apierrors.IsNotFound(err) {
		return nil, err
	}
	attempts := 1
	if name == DefaultServiceAccountName {
		attempts = 10
	}
	interval := time.Duration(rand.Int63n(100)+100) * time.Millisecond
	for i := 0; i < attempts; i++ {
		if i != 0 {
			time.Sleep(interval)
		}
		sa, err := p.client.CoreV1().ServiceAccounts(namespace).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			return sa, nil
		}
		if !apierrors.IsNotFound(err) {
			return nil, err
		}
	}
	return nil, apierrors.NewNotFound(corev1.Resource("serviceaccount"), name)
}

func podHasSecrets(pod *corev1.Pod) bool {
	if len(pod.Spec.ImagePullSecrets) > 0 {
		return true
	}
	for _, v := range pod.Spec.Volumes {
		switch {
		case v.Secret != nil, v.CephFS != nil && v.CephFS.SecretRef != nil,
			v.Cinder != nil && v.Cinder.SecretRef != nil,
			v.FlexVolume != nil && v.FlexVolume.SecretRef != nil,
			v.RBD != nil && v.RBD.SecretRef != nil,
			v.ScaleIO != nil && v.ScaleIO.SecretRef != nil,
			v.ISCSI != nil && v.ISCSI.SecretRef != nil,
			v.StorageOS != nil && v.StorageOS.SecretRef != nil,
			v.AzureFile != nil, v.CSI != nil && v.CSI.NodePublishSecretRef != nil:
			return true
		case v.Projected != nil:
			for _, s := range v.Projected.Sources {
				if s.Secret != nil {
					return true
				}
			}
		}
	}
	check := func(cs []corev1.Container) bool {
		for _, c := range cs {
			for _, e := range c.EnvFrom {
				if e.SecretRef != nil {
					return true
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					return true
				}
			}
		}
		return false
	}
	if check(pod.Spec.InitContainers) || check(pod.Spec.Containers) {
		return true
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if check([]corev1.Container{corev1.Container(c.EphemeralContainerCommon)}) {
			return true
		}
	}
	return false
}

func limitSecretReferences(sa *corev1.ServiceAccount, pod *corev1.Pod) error {
	mountable := sets.New[string]()
	for _, s := range sa.Secrets {
		mountable.Insert(s.Name)
	}
	for _, v := range pod.Spec.Volumes {
		if v.Secret == nil {
			continue
		}
		if !mountable.Has(v.Secret.SecretName) {
			return fmt.Errorf("volume with secret.secretName=\"%s\" is not allowed because service account %s does not reference that secret", v.Secret.SecretName, sa.Name)
		}
	}
	check := func(kind string, cs []corev1.Container) error {
		for _, c := range cs {
			for _, env := range c.Env {
				if env.ValueFrom != nil && env.ValueFrom.SecretKeyRef != nil && !mountable.Has(env.ValueFrom.SecretKeyRef.Name) {
					return fmt.Errorf("%s %s with envVar %s referencing secret.secretName=\"%s\" is not allowed because service account %s does not reference that secret", kind, c.Name, env.Name, env.ValueFrom.SecretKeyRef.Name, sa.Name)
				}
			}
			for _, ef := range c.EnvFrom {
				if ef.SecretRef != nil && !mountable.Has(ef.SecretRef.Name) {
					return fmt.Errorf("%s %s with envFrom referencing secret.secretName=\"%s\" is not allowed because service account %s does not reference that secret", kind, c.Name, ef.SecretRef.Name, sa.Name)
				}
			}
		}
		return nil
	}
	if err := check("init container", pod.Spec.InitContainers); err != nil {
		return err
	}
	if err := check("container", pod.Spec.Containers); err != nil {
		return err
	}
	pull := sets.New[string]()
	for _, s := range sa.ImagePullSecrets {
		pull.Insert(s.Name)
	}
	for i, ref := range pod.Spec.ImagePullSecrets {
		if !pull.Has(ref.Name) {
			return fmt.Errorf(`imagePullSecrets[%d].name="%s" is not allowed because service account %s does not reference that imagePullSecret`, i, ref.Name, sa.Name)
		}
	}
	return nil
}

func (p *Plugin) limitEphemeralContainerSecretReferences(ctx context.Context, pod *corev1.Pod, a admission.Attributes) error {
	if pod.Spec.ServiceAccountName == "" {
		return admission.NewForbidden(a, fmt.Errorf("no service account specified for pod %s/%s", a.GetNamespace(), pod.Name))
	}
	sa, err := p.getServiceAccount(ctx, a.GetNamespace(), pod.Spec.ServiceAccountName)
	if err != nil {
		return admission.NewForbidden(a, fmt.Errorf("error looking up service account %s/%s: %w", a.GetNamespace(), pod.Spec.ServiceAccountName, err))
	}
	if !enforceMountableSecrets(sa) {
		return nil
	}
	mountable := sets.New[string]()
	for _, s := range sa.Secrets {
		mountable.Insert(s.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		for _, env := range c.Env {
			if env.ValueFrom != nil && env.ValueFrom.SecretKeyRef != nil && !mountable.Has(env.ValueFrom.SecretKeyRef.Name) {
				return fmt.Errorf("ephemeral container %s with envVar %s referencing secret.secretName=\"%s\" is not allowed because service account %s does not reference that secret", c.Name, env.Name, env.ValueFrom.SecretKeyRef.Name, sa.Name)
			}
		}
		for _, ef := range c.EnvFrom {
			if ef.SecretRef != nil && !mountable.Has(ef.SecretRef.Name) {
				return fmt.Errorf("ephemeral container %s with envFrom referencing secret.secretName=\"%s\" is not allowed because service account %s does not reference that secret", c.Name, ef.SecretRef.Name, sa.Name)
			}
		}
	}
	return nil
}

// mountServiceAccountToken adds the token volume and mounts it in every
// container that has nothing at the mount path yet.
func (p *Plugin) mountServiceAccountToken(pod *corev1.Pod) {
	volumeName := ""
	hasVolume := false
	for _, v := range pod.Spec.Volumes {
		if strings.HasPrefix(v.Name, VolumeNamePrefix+"-") {
			volumeName = v.Name
			hasVolume = true
			break
		}
	}
	if volumeName == "" {
		volumeName = p.generateName(VolumeNamePrefix + "-")
	}
	mount := corev1.VolumeMount{Name: volumeName, ReadOnly: true, MountPath: DefaultAPITokenMountPath}
	needsVolume := false
	add := func(cs []corev1.Container) {
		for i := range cs {
			mounted := false
			for _, m := range cs[i].VolumeMounts {
				if m.MountPath == DefaultAPITokenMountPath {
					mounted = true
					break
				}
			}
			if !mounted {
				cs[i].VolumeMounts = append(cs[i].VolumeMounts, mount)
				needsVolume = true
			}
		}
	}
	add(pod.Spec.InitContainers)
	add(pod.Spec.Containers)
	if !hasVolume && needsVolume {
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{
			Name:         volumeName,
			VolumeSource: corev1.VolumeSource{Projected: TokenVolumeSource()},
		})
	}
}

// TokenVolumeSource is the projected source of the kube-api-access volume.
func TokenVolumeSource() *corev1.ProjectedVolumeSource {
	return &corev1.ProjectedVolumeSource{
		DefaultMode: ptr.To[int32](corev1.ProjectedVolumeSourceDefaultMode),
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
				Path:              "token",
				ExpirationSeconds: ptr.To[int64](tokenExpirationSeconds),
			}},
			{ConfigMap: &corev1.ConfigMapProjection{
				LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
				Items:                []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}},
			}},
			{DownwardAPI: &corev1.DownwardAPIProjection{
				Items: []corev1.DownwardAPIVolumeFile{{
					Path:     "namespace",
					FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
				}},
			}},
		},
	}
}
