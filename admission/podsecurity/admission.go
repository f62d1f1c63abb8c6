// Package podsecurity is kube-apiserver's PodSecurity admission plugin, a
// thin wrapper of k8s.io/pod-security-admission: the namespace labels
// pod-security.kubernetes.io/{enforce,audit,warn}[-version] select the Pod
// Security Standard pods (and, as warnings, workload templates) must meet.
// Unlabelled namespaces are "privileged": nothing is checked.
package podsecurity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/apiserver/pkg/audit"
	"k8s.io/apiserver/pkg/warning"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/component-base/compatibility"
	"k8s.io/component-base/metrics/legacyregistry"
	psadmission "k8s.io/pod-security-admission/admission"
	psconfig "k8s.io/pod-security-admission/admission/api/load"
	psapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/metrics"
	"k8s.io/pod-security-admission/policy"

	skiffadmission "github.com/skiff-k8s/skiff/admission"
)

// PluginName is upstream's plugin name.
const PluginName = "PodSecurity"

func init() {
	skiffadmission.Register(skiffadmission.Plugin{Name: PluginName, New: func(config io.Reader) (admission.Interface, error) {
		return New(config)
	}})
}

var (
	recorder     *metrics.PrometheusRecorder
	recorderOnce sync.Once
)

func defaultRecorder() metrics.Recorder {
	recorderOnce.Do(func() {
		recorder = metrics.NewPrometheusRecorder(psapi.GetAPIVersion())
		recorder.MustRegister(legacyregistry.MustRegister)
	})
	return recorder
}

// Plugin is the PodSecurity admission plugin.
type Plugin struct {
	*admission.Handler

	inspectedVersion bool
	emulationVersion *psapi.Version

	client          kubernetes.Interface
	namespaceLister corev1listers.NamespaceLister
	podLister       corev1listers.PodLister

	delegate *psadmission.Admission
}

var (
	_ admission.ValidationInterface                = &Plugin{}
	_ initializer.WantsExternalKubeClientSet       = &Plugin{}
	_ initializer.WantsExternalKubeInformerFactory = &Plugin{}
	_ initializer.WantsEffectiveVersion            = &Plugin{}
)

// New returns the plugin with the configuration read from config (a
// PodSecurityConfiguration; nil for the defaults).
func New(config io.Reader) (*Plugin, error) {
	c, err := psconfig.LoadFromReader(config)
	if err != nil {
		return nil, err
	}
	return &Plugin{
		Handler: admission.NewHandler(admission.Create, admission.Update),
		delegate: &psadmission.Admission{
			Configuration:    c,
			Metrics:          defaultRecorder(),
			PodSpecExtractor: psadmission.DefaultPodSpecExtractor{},
		},
	}, nil
}

// SetExternalKubeInformerFactory implements initializer.WantsExternalKubeInformerFactory.
func (p *Plugin) SetExternalKubeInformerFactory(f informers.SharedInformerFactory) {
	ns := f.Core().V1().Namespaces()
	p.namespaceLister = ns.Lister()
	p.podLister = f.Core().V1().Pods().Lister()
	p.SetReadyFunc(ns.Informer().HasSynced)
	p.updateDelegate()
}

// SetExternalKubeClientSet implements initializer.WantsExternalKubeClientSet.
func (p *Plugin) SetExternalKubeClientSet(c kubernetes.Interface) {
	p.client = c
	p.updateDelegate()
}

// InspectEffectiveVersion implements initializer.WantsEffectiveVersion.
func (p *Plugin) InspectEffectiveVersion(v compatibility.EffectiveVersion) {
	p.inspectedVersion = true
	bin, emu := v.BinaryVersion(), v.EmulationVersion()
	binMM := psapi.MajorMinorVersion(int(bin.Major()), int(bin.Minor()))
	emuMM := psapi.MajorMinorVersion(int(emu.Major()), int(emu.Minor()))
	if binMM != emuMM {
		p.emulationVersion = &emuMM
	}
}

func (p *Plugin) updateDelegate() {
	if p.namespaceLister == nil || p.podLister == nil || p.client == nil || !p.inspectedVersion {
		return
	}
	if p.delegate.PodLister == nil {
		p.delegate.PodLister = psadmission.PodListerFromInformer(p.podLister)
	}
	if p.delegate.NamespaceGetter == nil {
		p.delegate.NamespaceGetter = psadmission.NamespaceGetterFromListerAndClient(p.namespaceLister, p.client)
	}
	if p.delegate.Evaluator == nil {
		e, err := policy.NewEvaluator(policy.DefaultChecks(), p.emulationVersion)
		if err != nil {
			panic(fmt.Errorf("could not create PodSecurityRegistry: %w", err))
		}
		p.delegate.Evaluator = e
	}
}

// ValidateInitialization implements admission.InitializationValidator.
func (p *Plugin) ValidateInitialization() error {
	if !p.inspectedVersion {
		return fmt.Errorf("%s did not see effective version", PluginName)
	}
	if err := p.delegate.CompleteConfiguration(); err != nil {
		return fmt.Errorf("%s configuration error: %w", PluginName, err)
	}
	if err := p.delegate.ValidateConfiguration(); err != nil {
		return fmt.Errorf("%s invalid: %w", PluginName, err)
	}
	return nil
}

var applicable = map[schema.GroupResource]bool{
	corev1.Resource("pods"):       true,
	corev1.Resource("namespaces"): true,
}

// Validate evaluates pods, namespaces and workloads with pod templates.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	gr := a.GetResource().GroupResource()
	if !applicable[gr] && !p.delegate.PodSpecExtractor.HasPodSpec(gr) {
		return nil
	}
	result := p.delegate.Validate(ctx, attributes{a})
	for _, w := range result.Warnings {
		warning.AddWarning(ctx, "", w)
	}
	if len(result.AuditAnnotations) > 0 {
		kv := make([]string, 0, 2*len(result.AuditAnnotations))
		for k, v := range result.AuditAnnotations {
			kv = append(kv, psapi.AuditAnnotationPrefix+k, v)
		}
		audit.AddAuditAnnotations(ctx, kv...)
	}
	if result.Allowed {
		return nil
	}
	se := admission.NewForbidden(a, errors.New("Not allowed by PodSecurity")).(*apierrors.StatusError)
	if r := result.Result; r != nil {
		if r.Message != "" {
			se.ErrStatus.Message = r.Message
		}
		if r.Reason != "" {
			se.ErrStatus.Reason = r.Reason
		}
		if r.Details != nil {
			se.ErrStatus.Details = r.Details
		}
		if r.Code != 0 {
			se.ErrStatus.Code = r.Code
		}
	}
	return se
}

// attributes adapts admission.Attributes to the library's: skiff's objects
// are the v1 types already, so no conversion is needed.
type attributes struct{ admission.Attributes }

func (a attributes) GetObject() (runtime.Object, error)    { return a.Attributes.GetObject(), nil }
func (a attributes) GetOldObject() (runtime.Object, error) { return a.Attributes.GetOldObject(), nil }
func (a attributes) GetOperation() admissionv1.Operation {
	return admissionv1.Operation(a.Attributes.GetOperation())
}
func (a attributes) GetUserName() string { return a.GetUserInfo().GetName() }
