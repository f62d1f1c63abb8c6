// Package runtimeclass is kube-apiserver's RuntimeClass admission plugin: a
// pod naming a RuntimeClass gets the class's overhead and scheduling
// constraints (node selector, tolerations); a pod may not set an overhead
// that differs from its class's.
package runtimeclass

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	nodev1client "k8s.io/client-go/kubernetes/typed/node/v1"
	nodev1listers "k8s.io/client-go/listers/node/v1"

	skiffadmission "github.com/skiff-k8s/skiff/admission"
)

// PluginName is upstream's plugin name.
const PluginName = "RuntimeClass"

func init() {
	skiffadmission.Register(skiffadmission.Plugin{Name: PluginName, New: func(io.Reader) (admission.Interface, error) {
		return &Plugin{Handler: admission.NewHandler(admission.Create)}, nil
	}})
}

// Plugin applies RuntimeClasses to pods.
type Plugin struct {
	*admission.Handler
	lister nodev1listers.RuntimeClassLister
	client nodev1client.RuntimeClassInterface
}

var (
	_ admission.MutationInterface                  = &Plugin{}
	_ admission.ValidationInterface                = &Plugin{}
	_ initializer.WantsExternalKubeClientSet       = &Plugin{}
	_ initializer.WantsExternalKubeInformerFactory = &Plugin{}
)

// SetExternalKubeClientSet implements initializer.WantsExternalKubeClientSet.
func (p *Plugin) SetExternalKubeClientSet(c kubernetes.Interface) {
	p.client = c.NodeV1().RuntimeClasses()
}

// SetExternalKubeInformerFactory implements initializer.WantsExternalKubeInformerFactory.
func (p *Plugin) SetExternalKubeInformerFactory(f informers.SharedInformerFactory) {
	inf := f.Node().V1().RuntimeClasses()
	p.SetReadyFunc(inf.Informer().HasSynced)
	p.lister = inf.Lister()
}

// ValidateInitialization implements admission.InitializationValidator.
func (p *Plugin) ValidateInitialization() error {
	if p.lister == nil {
		return fmt.Errorf("missing RuntimeClass lister")
	}
	if p.client == nil {
		return fmt.Errorf("missing RuntimeClass client")
	}
	return nil
}

// Admit sets the overhead and scheduling of the pod's RuntimeClass.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	if shouldIgnore(a) {
		return nil
	}
	pod, rc, err := p.prepare(ctx, a)
	if err != nil {
		return err
	}
	if err := setOverhead(a, pod, rc); err != nil {
		return err
	}
	return setScheduling(a, pod, rc)
}

// Validate checks the pod's overhead against its RuntimeClass.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	if shouldIgnore(a) {
		return nil
	}
	pod, rc, err := p.prepare(ctx, a)
	if err != nil {
		return err
	}
	if rc != nil && rc.Overhead != nil {
		if !apiequality.Semantic.DeepEqual(rc.Overhead.PodFixed, pod.Spec.Overhead) {
			return admission.NewForbidden(a, fmt.Errorf("pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"))
		}
	} else if pod.Spec.Overhead != nil {
		return admission.NewForbidden(a, fmt.Errorf("pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead"))
	}
	return nil
}

func shouldIgnore(a admission.Attributes) bool {
	return a.GetSubresource() != "" || a.GetResource().GroupResource() != corev1.Resource("pods")
}

func (p *Plugin) prepare(ctx context.Context, a admission.Attributes) (*corev1.Pod, *nodev1.RuntimeClass, error) {
	pod, ok := a.GetObject().(*corev1.Pod)
	if !ok {
		return nil, nil, apierrors.NewBadRequest("Resource was marked with kind Pod but was unable to be converted")
	}
	if pod.Spec.RuntimeClassName == nil {
		return pod, nil, nil
	}
	rc, err := p.lister.Get(*pod.Spec.RuntimeClassName)
	if apierrors.IsNotFound(err) {
		// The cache may lag: look it up.
		rc, err = p.client.Get(ctx, *pod.Spec.RuntimeClassName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return pod, nil, admission.NewForbidden(a, fmt.Errorf("pod rejected: RuntimeClass %q not found", *pod.Spec.RuntimeClassName))
		}
	}
	return pod, rc, err
}

func setOverhead(a admission.Attributes, pod *corev1.Pod, rc *nodev1.RuntimeClass) error {
	if rc == nil || rc.Overhead == nil {
		return nil
	}
	if len(pod.Spec.Overhead) > 0 && !apiequality.Semantic.DeepEqual(rc.Overhead.PodFixed, pod.Spec.Overhead) {
		return admission.NewForbidden(a, fmt.Errorf("pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"))
	}
	pod.Spec.Overhead = rc.Overhead.PodFixed.DeepCopy()
	return nil
}

func setScheduling(a admission.Attributes, pod *corev1.Pod, rc *nodev1.RuntimeClass) error {
	if rc == nil || rc.Scheduling == nil {
		return nil
	}
	sched := rc.Scheduling.DeepCopy()
	selector := pod.Spec.NodeSelector
	if selector == nil {
		selector = sched.NodeSelector
	} else {
		for k, v := range sched.NodeSelector {
			if pv, ok := selector[k]; ok && pv != v {
				return admission.NewForbidden(a, fmt.Errorf("conflict: runtimeClass.scheduling.nodeSelector[%s] = %s; pod.spec.nodeSelector[%s] = %s", k, v, k, pv))
			}
			selector[k] = v
		}
	}
	pod.Spec.NodeSelector = selector
	pod.Spec.Tolerations = MergeTolerations(pod.Spec.Tolerations, sched.Tolerations)
	return nil
}

// MergeTolerations merges two sets of tolerations, keeping only the
// superset when one toleration covers another (upstream's
// pkg/util/tolerations).
func MergeTolerations(first, second []corev1.Toleration) []corev1.Toleration {
	all := append(append([]corev1.Toleration{}, first...), second...)
	var merged []corev1.Toleration
next:
	for i, t := range all {
		for _, t2 := range merged {
			if isSuperset(t2, t) {
				continue next
			}
		}
		for _, t2 := range all[i+1:] {
			if !apiequality.Semantic.DeepEqual(&t, &t2) && isSuperset(t2, t) {
				continue next
			}
		}
		merged = append(merged, t)
	}
	return merged
}

// isSuperset tells whether ss tolerates a superset of what t tolerates.
func isSuperset(ss, t corev1.Toleration) bool {
	if apiequality.Semantic.DeepEqual(&t, &ss) {
		return true
	}
	if t.Key != ss.Key && (ss.Key != "" || ss.Operator != corev1.TolerationOpExists) {
		return false
	}
	if t.Effect != ss.Effect && ss.Effect != "" {
		return false
	}
	if ss.Effect == corev1.TaintEffectNoExecute && ss.TolerationSeconds != nil {
		if t.TolerationSeconds == nil || *t.TolerationSeconds > *ss.TolerationSeconds {
			return false
		}
	}
	switch ss.Operator {
	case corev1.TolerationOpEqual, "":
		return t.Operator == corev1.TolerationOpEqual && t.Value == ss.Value
	case corev1.TolerationOpExists:
		return true
	default:
		return false
	}
}
