package apiserver

import (
	authorizationv1 "k8s.io/api/authorization/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/authorization/selfsubjectaccessreview"
	"github.com/skiff-k8s/skiff/registry/authorization/selfsubjectrulesreview"
	"github.com/skiff-k8s/skiff/registry/coordination/lease"
	"github.com/skiff-k8s/skiff/registry/core/configmap"
	coreevent "github.com/skiff-k8s/skiff/registry/core/event"
	"github.com/skiff-k8s/skiff/registry/core/namespace"
	"github.com/skiff-k8s/skiff/registry/core/secret"
	"github.com/skiff-k8s/skiff/registry/core/serviceaccount"
	eventsevent "github.com/skiff-k8s/skiff/registry/events/event"
)

// cohabitating lists resources served by several groups but stored once,
// the first group-resource naming where (as kube-apiserver does).
var cohabitating = [][]schema.GroupResource{
	{corev1.Resource("events"), eventsv1.Resource("events")},
}

// deps are what resource constructors may need.
type deps struct {
	opts       generic.RESTOptionsGetter
	authorizer authorizer.Authorizer
}

// versionStorage builds the resources of one group version.
type versionStorage func(d deps) (map[string]rest.Storage, error)

// groups lists every served group version and its resources. Adding a
// resource is one package under registry/ and one line here.
var groups = []struct {
	gv      schema.GroupVersion
	storage versionStorage
}{
	{corev1.SchemeGroupVersion, coreV1},
	{authorizationv1.SchemeGroupVersion, authorizationV1},
	{coordinationv1.SchemeGroupVersion, coordinationV1},
	{eventsv1.SchemeGroupVersion, eventsV1},
}

func coreV1(d deps) (map[string]rest.Storage, error) {
	m := map[string]rest.Storage{}
	var err error
	if m["configmaps"], err = configmap.NewREST(d.opts); err != nil {
		return nil, err
	}
	if m["secrets"], err = secret.NewREST(d.opts); err != nil {
		return nil, err
	}
	if m["serviceaccounts"], err = serviceaccount.NewREST(d.opts); err != nil {
		return nil, err
	}
	if m["events"], err = coreevent.NewREST(d.opts); err != nil {
		return nil, err
	}
	ns, nsStatus, nsFinalize, err := namespace.NewREST(d.opts)
	if err != nil {
		return nil, err
	}
	m["namespaces"], m["namespaces/status"], m["namespaces/finalize"] = ns, nsStatus, nsFinalize
	return m, nil
}

func authorizationV1(d deps) (map[string]rest.Storage, error) {
	rr, _ := d.authorizer.(authorizer.RuleResolver)
	return map[string]rest.Storage{
		"selfsubjectaccessreviews": selfsubjectaccessreview.NewREST(d.authorizer),
		"selfsubjectrulesreviews":  selfsubjectrulesreview.NewREST(rr),
	}, nil
}

func coordinationV1(d deps) (map[string]rest.Storage, error) {
	l, err := lease.NewREST(d.opts)
	if err != nil {
		return nil, err
	}
	return map[string]rest.Storage{"leases": l}, nil
}

func eventsV1(d deps) (map[string]rest.Storage, error) {
	e, err := eventsevent.NewREST(d.opts)
	if err != nil {
		return nil, err
	}
	return map[string]rest.Storage{"events": e}, nil
}

func installAPIs(s *genericapiserver.GenericAPIServer, opts generic.RESTOptionsGetter, authz authorizer.Authorizer) error {
	d := deps{opts: opts, authorizer: authz}
	var infos []*genericapiserver.APIGroupInfo
	for _, g := range groups {
		storage, err := g.storage(d)
		if err != nil {
			return err
		}
		info := genericapiserver.NewDefaultAPIGroupInfo(g.gv.Group, apis.Scheme, metav1.ParameterCodec, apis.Codecs)
		info.VersionedResourcesStorageMap[g.gv.Version] = storage
		if g.gv.Group == "" {
			if err := s.InstallLegacyAPIGroup(genericapiserver.DefaultLegacyAPIPrefix, &info); err != nil {
				return err
			}
			continue
		}
		infos = append(infos, &info)
	}
	return s.InstallAPIGroups(infos...)
}
