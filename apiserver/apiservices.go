package apiserver

import (
	"strings"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdinformers "k8s.io/apiextensions-apiserver/pkg/client/informers/externalversions/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	"k8s.io/kube-aggregator/pkg/controllers/autoregister"
)

type priority struct{ group, version int32 }

// priorities order groups in discovery (and so in kubectl's output) exactly
// as kube-apiserver orders them.
var priorities = map[schema.GroupVersion]priority{
	{Group: "", Version: "v1"}:                             {18000, 1},
	{Group: "events.k8s.io", Version: "v1"}:                {17750, 15},
	{Group: "apps", Version: "v1"}:                         {17800, 15},
	{Group: "authentication.k8s.io", Version: "v1"}:        {17700, 15},
	{Group: "authorization.k8s.io", Version: "v1"}:         {17600, 15},
	{Group: "autoscaling", Version: "v1"}:                  {17500, 15},
	{Group: "autoscaling", Version: "v2"}:                  {17500, 30},
	{Group: "batch", Version: "v1"}:                        {17400, 15},
	{Group: "certificates.k8s.io", Version: "v1"}:          {17300, 15},
	{Group: "networking.k8s.io", Version: "v1"}:            {17200, 15},
	{Group: "policy", Version: "v1"}:                       {17100, 15},
	{Group: "rbac.authorization.k8s.io", Version: "v1"}:    {17000, 15},
	{Group: "storage.k8s.io", Version: "v1"}:               {16800, 15},
	{Group: "apiextensions.k8s.io", Version: "v1"}:         {16700, 15},
	{Group: "admissionregistration.k8s.io", Version: "v1"}: {16700, 15},
	{Group: "scheduling.k8s.io", Version: "v1"}:            {16600, 15},
	{Group: "coordination.k8s.io", Version: "v1"}:          {16500, 15},
	{Group: "node.k8s.io", Version: "v1"}:                  {16300, 15},
	{Group: "discovery.k8s.io", Version: "v1"}:             {16200, 15},
	{Group: "resource.k8s.io", Version: "v1"}:              {16200, 21},
	{Group: "flowcontrol.apiserver.k8s.io", Version: "v1"}: {16100, 21},
	{Group: "storagemigration.k8s.io", Version: "v1"}:      {15800, 15},
}

func groupVersionOfPath(path string) (schema.GroupVersion, bool) {
	if path == "/api/v1" {
		return schema.GroupVersion{Version: "v1"}, true
	}
	parts := strings.Split(path, "/")
	if len(parts) != 4 || parts[1] != "apis" {
		return schema.GroupVersion{}, false
	}
	return schema.GroupVersion{Group: parts[2], Version: parts[3]}, true
}

// localAPIService is the APIService of a group version this process serves.
func localAPIService(gv schema.GroupVersion) *apiregistrationv1.APIService {
	p, ok := priorities[gv]
	if !ok {
		return nil
	}
	return &apiregistrationv1.APIService{
		ObjectMeta: metav1.ObjectMeta{Name: gv.Version + "." + gv.Group},
		Spec:       apiregistrationv1.APIServiceSpec{Group: gv.Group, Version: gv.Version, GroupPriorityMinimum: p.group, VersionPriority: p.version},
	}
}

// crdRegistration keeps an APIService for every version of every CRD, so
// custom resources appear in discovery (kube's crdregistration controller).
type crdRegistration struct {
	informer cache.SharedIndexInformer
	auto     autoregister.AutoAPIServiceRegistration
	mu       sync.Mutex
	counts   map[schema.GroupVersion]int
}

func newCRDRegistration(crds crdinformers.CustomResourceDefinitionInformer, auto autoregister.AutoAPIServiceRegistration) *crdRegistration {
	r := &crdRegistration{informer: crds.Informer(), auto: auto, counts: map[schema.GroupVersion]int{}}
	_, _ = r.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) { r.change(nil, obj) },
		UpdateFunc: func(old, obj interface{}) {
			r.change(old, obj)
		},
		DeleteFunc: func(obj interface{}) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			r.change(obj, nil)
		},
	})
	return r
}

func versions(obj interface{}) []schema.GroupVersion {
	crd, ok := obj.(*apiextensionsv1.CustomResourceDefinition)
	if !ok {
		return nil
	}
	var out []schema.GroupVersion
	for _, v := range crd.Spec.Versions {
		if v.Served {
			out = append(out, schema.GroupVersion{Group: crd.Spec.Group, Version: v.Name})
		}
	}
	return out
}

// change counts CRD versions per group version and (un)registers the
// APIService when a group version gains its first or loses its last CRD.
func (r *crdRegistration) change(old, obj interface{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, gv := range versions(old) {
		r.counts[gv]--
		if r.counts[gv] <= 0 {
			delete(r.counts, gv)
			r.auto.RemoveAPIServiceToSync(gv.Version + "." + gv.Group)
		}
	}
	for _, gv := range versions(obj) {
		r.counts[gv]++
		if r.counts[gv] == 1 {
			r.auto.AddAPIServiceToSync(crdAPIService(gv))
		}
	}
}

// crdAPIService is the APIService of a CRD group version: below every
// built-in group, versions sorted kube-like, as upstream.
func crdAPIService(gv schema.GroupVersion) *apiregistrationv1.APIService {
	return &apiregistrationv1.APIService{
		ObjectMeta: metav1.ObjectMeta{Name: gv.Version + "." + gv.Group},
		Spec:       apiregistrationv1.APIServiceSpec{Group: gv.Group, Version: gv.Version, GroupPriorityMinimum: 1000, VersionPriority: 100},
	}
}

// WaitForInitialSync waits for the CRD informer, which the apiextensions
// server's informer factory runs.
func (r *crdRegistration) WaitForInitialSync(stop <-chan struct{}) {
	cache.WaitForCacheSync(stop, r.informer.HasSynced)
}
