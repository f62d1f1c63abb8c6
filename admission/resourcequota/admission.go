// Package resourcequota is kube-apiserver's ResourceQuota admission plugin:
// k8s.io/apiserver's quota admission with upstream's evaluators (pods,
// services, PersistentVolumeClaims, and object counts), rejecting requests
// that would exceed a ResourceQuota of the namespace with 403 "exceeded
// quota: ...".
//
// Upstream, kube-controller-manager's resourcequota controller fills each
// quota's status (hard and used); skiff has no controller manager, so the
// plugin runs an equivalent status updater (status.go) in the API server.
package resourcequota

import (
	"io"

	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	apiquota "k8s.io/apiserver/pkg/admission/plugin/resourcequota"
	resourcequotaapi "k8s.io/apiserver/pkg/admission/plugin/resourcequota/apis/resourcequota"
	"k8s.io/apiserver/pkg/quota/v1/generic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	skiffadmission "github.com/skiff-k8s/skiff/admission"
)

// PluginName is upstream's plugin name.
const PluginName = "ResourceQuota"

// numEvaluators is kube-apiserver's default worker count.
const numEvaluators = 5

func init() {
	skiffadmission.Register(skiffadmission.Plugin{Name: PluginName, New: func(io.Reader) (admission.Interface, error) {
		return New()
	}})
}

// Plugin wraps k8s.io/apiserver's quota admission, giving it skiff's
// evaluators once it has its stop channel, and starts the status updater.
type Plugin struct {
	*apiquota.QuotaAdmission
	status *statusUpdater
}

var (
	_ admission.ValidationInterface                = &Plugin{}
	_ initializer.WantsExternalKubeClientSet       = &Plugin{}
	_ initializer.WantsExternalKubeInformerFactory = &Plugin{}
	_ initializer.WantsDrainedNotification         = &Plugin{}
)

// New returns the plugin.
func New() (*Plugin, error) {
	q, err := apiquota.NewResourceQuota(&resourcequotaapi.Configuration{}, numEvaluators)
	if err != nil {
		return nil, err
	}
	return &Plugin{QuotaAdmission: q, status: &statusUpdater{}}, nil
}

// SetDrainedNotification implements initializer.WantsDrainedNotification;
// the evaluators can only be set once the stop channel is known.
func (p *Plugin) SetDrainedNotification(stop <-chan struct{}) {
	p.QuotaAdmission.SetDrainedNotification(stop)
	p.QuotaAdmission.SetQuotaConfiguration(generic.NewConfiguration(Evaluators(nil), IgnoredResources()))
	p.status.stop = stop
	p.status.start()
}

// SetExternalKubeClientSet implements initializer.WantsExternalKubeClientSet.
func (p *Plugin) SetExternalKubeClientSet(c kubernetes.Interface) {
	p.QuotaAdmission.SetExternalKubeClientSet(c)
	p.status.client = c
	p.status.start()
}

// SetExternalKubeInformerFactory implements initializer.WantsExternalKubeInformerFactory.
func (p *Plugin) SetExternalKubeInformerFactory(f informers.SharedInformerFactory) {
	p.QuotaAdmission.SetExternalKubeInformerFactory(f)
	p.status.informers = f
	p.status.start()
}
