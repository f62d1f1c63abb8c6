// Package priority is kube-apiserver's Priority admission plugin: a pod's
// spec.priority and spec.preemptionPolicy are resolved from its
// priorityClassName (or the globalDefault PriorityClass), unknown classes are
// rejected, and at most one PriorityClass may be the global default.
package priority

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	schedulingv1listers "k8s.io/client-go/listers/scheduling/v1"

	skiffadmission "github.com/skiff-k8s/skiff/admission"
)

// PluginName is upstream's plugin name.
const PluginName = "Priority"

// DefaultPriorityWhenNoDefaultClassExists is the priority of pods without a
// class when no class is the global default.
const DefaultPriorityWhenNoDefaultClassExists = 0

func init() {
	skiffadmission.Register(skiffadmission.Plugin{Name: PluginName, New: func(io.Reader) (admission.Interface, error) {
		return New(), nil
	}})
}

// Plugin is the Priority admission plugin.
type Plugin struct {
	*admission.Handler
	client kubernetes.Interface
	lister schedulingv1listers.PriorityClassLister
}

var (
	_ admission.MutationInterface                  = &Plugin{}
	_ admission.ValidationInterface                = &Plugin{}
	_ initializer.WantsExternalKubeClientSet       = &Plugin{}
	_ initializer.WantsExternalKubeInformerFactory = &Plugin{}
)

// New returns the plugin.
func New() *Plugin {
	return &Plugin{Handler: admission.NewHandler(admission.Create, admission.Update, admission.Delete)}
}

// ValidateInitialization implements admission.InitializationValidator.
func (p *Plugin) ValidateInitialization() error {
	if p.client == nil {
		return fmt.Errorf("%s requires a client", PluginName)
	}
	if p.lister == nil {
		return fmt.Errorf("%s requires a lister", PluginName)
	}
	return nil
}

// SetExternalKubeClientSet implements initializer.WantsExternalKubeClientSet.
func (p *Plugin) SetExternalKubeClientSet(c kubernetes.Interface) { p.client = c }

// SetExternalKubeInformerFactory implements initializer.WantsExternalKubeInformerFactory.
func (p *Plugin) SetExternalKubeInformerFactory(f informers.SharedInformerFactory) {
	inf := f.Scheduling().V1().PriorityClasses()
	p.lister = inf.Lister()
	p.SetReadyFunc(inf.Informer().HasSynced)
}

var (
	podResource           = corev1.Resource("pods")
	priorityClassResource = schedulingv1.Resource("priorityclasses")
)

// Admit resolves a pod's priority.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	if a.GetSubresource() != "" || a.GetResource().GroupResource() != podResource {
		return nil
	}
	if op := a.GetOperation(); op == admission.Create || op == admission.Update {
		return p.admitPod(a)
	}
	return nil
}

// Validate allows one global default PriorityClass.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	if a.GetSubresource() != "" || a.GetResource().GroupResource() != priorityClassResource {
		return nil
	}
	if op := a.GetOperation(); op == admission.Create || op == admission.Update {
		return p.validatePriorityClass(a)
	}
	return nil
}

func (p *Plugin) admitPod(a admission.Attributes) error {
	pod, ok := a.GetObject().(*corev1.Pod)
	if !ok {
		return apierrors.NewBadRequest("resource was marked with kind Pod but was unable to be converted")
	}
	if a.GetOperation() == admission.Update {
		old, ok := a.GetOldObject().(*corev1.Pod)
		if !ok {
			return apierrors.NewBadRequest("resource was marked with kind Pod but was unable to be converted")
		}
		// Keep the priority set on create; validation forbids changing it.
		if pod.Spec.Priority == nil && old.Spec.Priority != nil {
			pod.Spec.Priority = old.Spec.Priority
		}
		if pod.Spec.PreemptionPolicy == nil && old.Spec.PreemptionPolicy != nil {
			pod.Spec.PreemptionPolicy = old.Spec.PreemptionPolicy
		}
		return nil
	}
	name, priority, policy, err := p.establishPriority(a, pod.Spec.PriorityClassName)
	if err != nil {
		return err
	}
	pod.Spec.PriorityClassName = name
	if pod.Spec.Priority != nil && *pod.Spec.Priority != priority {
		return admission.NewForbidden(a, fmt.Errorf("the integer value of priority (%d) must not be provided in pod spec; priority admission controller computed %d from the given PriorityClass name", *pod.Spec.Priority, priority))
	}
	pod.Spec.Priority = &priority
	if policy != nil {
		pp := *policy
		if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy != pp {
			return admission.NewForbidden(a, fmt.Errorf("the string value of PreemptionPolicy (%s) must not be provided in pod spec; priority admission controller computed %s from the given PriorityClass name", *pod.Spec.PreemptionPolicy, pp))
		}
		pod.Spec.PreemptionPolicy = &pp
	}
	return nil
}

func (p *Plugin) validatePriorityClass(a admission.Attributes) error {
	pc, ok := a.GetObject().(*schedulingv1.PriorityClass)
	if !ok {
		return apierrors.NewBadRequest("resource was marked with kind PriorityClass but was unable to be converted")
	}
	if !pc.GlobalDefault {
		return nil
	}
	dpc, err := p.getDefaultPriorityClass()
	if err != nil {
		return fmt.Errorf("failed to get default priority class: %v", err)
	}
	if dpc != nil && (a.GetOperation() == admission.Create || dpc.Name != pc.Name) {
		return admission.NewForbidden(a, fmt.Errorf("PriorityClass %v is already marked as default. Only one default can exist", dpc.Name))
	}
	return nil
}

func (p *Plugin) establishPriority(a admission.Attributes, className string) (string, int32, *corev1.PreemptionPolicy, error) {
	if className == "" {
		dpc, err := p.getDefaultPriorityClass()
		if err != nil {
			return "", 0, nil, fmt.Errorf("error occurred while retrieving default priority class: %w", err)
		}
		if dpc != nil {
			return dpc.Name, dpc.Value, dpc.PreemptionPolicy, nil
		}
		lower := corev1.PreemptLowerPriority
		return "", DefaultPriorityWhenNoDefaultClassExists, &lower, nil
	}
	pc, err := p.lister.Get(className)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return "", 0, nil, admission.NewForbidden(a, fmt.Errorf("no PriorityClass with name %v was found", className))
		}
		return "", 0, nil, fmt.Errorf("failed to resolve PriorityClass with name %s: %w", className, err)
	}
	return className, pc.Value, pc.PreemptionPolicy, nil
}

// getDefaultPriorityClass returns the global default class with the lowest
// value, or nil.
func (p *Plugin) getDefaultPriorityClass() (*schedulingv1.PriorityClass, error) {
	list, err := p.lister.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var def *schedulingv1.PriorityClass
	for _, pc := range list {
		if pc.GlobalDefault && (def == nil || def.Value > pc.Value) {
			def = pc
		}
	}
	return def, nil
}
