package apiserver

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/pki"
	"github.com/skiff-k8s/skiff/registry/core/kubeletclient"
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
	// saTokens issues and checks this server's ServiceAccount tokens.
	saTokens *saTokens
	// kubelets reaches the kubelet of a node; nodes is the nodes store it
	// reads them from.
	kubelets *kubeletclient.Getter
	nodes    *nodeRef
}

// versionStorage builds the resources of one group version.
type versionStorage func(d deps) (map[string]rest.Storage, error)

// served maps each served group version to its storage. Every group has a
// group_<name>.go file whose init calls serve; adding a resource is one
// package under registry/ and one line in its group's file.
var served = map[schema.GroupVersion]versionStorage{}

func serve(gv schema.GroupVersion, storage versionStorage) {
	if _, dup := served[gv]; dup {
		panic("group version served twice: " + gv.String())
	}
	served[gv] = storage
}

// add is shorthand for group files: it stores a resource's storage, or
// keeps the first error.
type storageMap struct {
	m   map[string]rest.Storage
	err error
}

func newStorageMap() *storageMap { return &storageMap{m: map[string]rest.Storage{}} }

func (s *storageMap) add(name string, st rest.Storage, err error) {
	if s.err == nil && err != nil {
		s.err = err
	}
	if err == nil {
		s.m[name] = st
	}
}

func (s *storageMap) done() (map[string]rest.Storage, error) { return s.m, s.err }

// installAPIs installs every served group, the core group at /api and the
// others at /apis, in discovery priority order.
func installAPIs(s *genericapiserver.GenericAPIServer, opts generic.RESTOptionsGetter, authz authorizer.Authorizer, tokens *saTokens, certs pki.Files) error {
	d := deps{opts: opts, authorizer: authz, saTokens: tokens, nodes: &nodeRef{}}
	var err error
	if d.kubelets, err = newKubelets(certs, d.nodes); err != nil {
		return err
	}
	byGroup := map[string]*genericapiserver.APIGroupInfo{}
	var order []string
	for gv, build := range served {
		storage, err := build(d)
		if err != nil {
			return err
		}
		info, ok := byGroup[gv.Group]
		if !ok {
			i := genericapiserver.NewDefaultAPIGroupInfo(gv.Group, apis.Scheme, apis.ParameterCodec, apis.Codecs)
			info = &i
			byGroup[gv.Group] = info
			order = append(order, gv.Group)
		}
		info.VersionedResourcesStorageMap[gv.Version] = storage
	}
	sort.Slice(order, func(i, j int) bool {
		pi, pj := groupPriority(order[i]), groupPriority(order[j])
		if pi != pj {
			return pi > pj
		}
		return order[i] < order[j]
	})
	var infos []*genericapiserver.APIGroupInfo
	for _, group := range order {
		if group == "" {
			if err := s.InstallLegacyAPIGroup(genericapiserver.DefaultLegacyAPIPrefix, byGroup[group]); err != nil {
				return err
			}
			continue
		}
		infos = append(infos, byGroup[group])
	}
	return s.InstallAPIGroups(infos...)
}

func groupPriority(group string) int32 {
	best := int32(0)
	for gv, p := range priorities {
		if gv.Group == group && p.group > best {
			best = p.group
		}
	}
	return best
}
