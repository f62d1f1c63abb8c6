// Package admission holds skiff's own admission plugins, one package each
// below this one, written against the v1 types to behave as upstream's
// (k8s.io/kubernetes/plugin/pkg/admission). Each plugin package registers
// itself from init with Register; admission/install imports them all, and
// the API server runs them in Order, mixed with k8s.io/apiserver's own
// plugins (NamespaceLifecycle, webhooks, CEL policies).
package admission

import (
	"io"
	"sync"

	"k8s.io/apiserver/pkg/admission"
)

// Plugin is one admission plugin.
type Plugin struct {
	Name string
	New  func(config io.Reader) (admission.Interface, error)
	// DefaultOff plugins are registered but only run when enabled.
	DefaultOff bool
}

var (
	mu      sync.Mutex
	plugins = map[string]Plugin{}
)

// Register adds a plugin; plugin packages call it from init.
func Register(p Plugin) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := plugins[p.Name]; dup {
		panic("admission plugin registered twice: " + p.Name)
	}
	plugins[p.Name] = p
}

// Registered returns the registered plugins by name.
func Registered() map[string]Plugin {
	mu.Lock()
	defer mu.Unlock()
	out := make(map[string]Plugin, len(plugins))
	for k, v := range plugins {
		out[k] = v
	}
	return out
}

// Order is kube-apiserver's plugin order (pkg/kubeapiserver/options
// AllOrderedPlugins), restricted to plugins skiff has. Mutating plugins run
// in this order, then validating ones in this order.
var Order = []string{
	"NamespaceLifecycle",
	"LimitRanger",
	"ServiceAccount",
	"TaintNodesByCondition",
	"PodSecurity",
	"Priority",
	"DefaultTolerationSeconds",
	"DefaultStorageClass",
	"StorageObjectInUseProtection",
	"PersistentVolumeClaimResize",
	"RuntimeClass",
	"CertificateApproval",
	"CertificateSigning",
	"ClusterTrustBundleAttest",
	"CertificateSubjectRestriction",
	"DefaultIngressClass",
	"PodTopologyLabels",
	"MutatingAdmissionPolicy",
	"MutatingAdmissionWebhook",
	"ValidatingAdmissionPolicy",
	"ValidatingAdmissionWebhook",
	"ResourceQuota",
}
