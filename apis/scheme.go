// Package apis holds skiff's single runtime.Scheme and its codecs.
//
// skiff has no hand-written internal types. Every group's k8s.io/api types are
// registered twice: under their real version(s) and again under
// runtime.APIVersionInternal. The generic apiserver handlers decode requests
// to the "internal" version, and because the Go type is the same the scheme
// only rewrites the kind; no conversion functions are needed except where two
// groups share one storage (events.k8s.io Events live as core/v1 Events).
package apis

import (
	"fmt"
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

var (
	// Scheme knows every type skiff serves.
	Scheme = runtime.NewScheme()
	// Codecs encodes and decodes the types of Scheme (JSON, YAML, protobuf, CBOR).
	Codecs = serializer.NewCodecFactory(Scheme)
)

// group describes one API group as the scheme installs it: its versions in
// priority order (the first is preferred and is the storage version) and the
// k8s.io/api AddToScheme function of each version.
type group struct {
	versions []schema.GroupVersion
	adders   []func(*runtime.Scheme) error
}

var groups []group

// register installs the versions of one group, preferred first.
func register(versions []schema.GroupVersion, adders ...func(*runtime.Scheme) error) {
	groups = append(groups, group{versions: versions, adders: adders})
	seen := map[string]bool{}
	for i, add := range adders {
		if err := add(Scheme); err != nil {
			panic(err)
		}
		registerInternal(versions[i], add, seen)
	}
	if err := Scheme.SetVersionPriority(versions...); err != nil {
		panic(err)
	}
}

// registerInternal registers the group's own types of gv (not the meta/v1
// option and watch types every version carries) under the internal version,
// unless a more preferred version already gave that kind its internal type
// (seen). A kind only an older version has (autoscaling/v1 Scale) is still
// registered, from that version.
func registerInternal(gv schema.GroupVersion, add func(*runtime.Scheme) error, seen map[string]bool) {
	tmp := runtime.NewScheme()
	if err := add(tmp); err != nil {
		panic(err)
	}
	metaPkg := reflect.TypeOf(metav1.Status{}).PkgPath()
	internal := schema.GroupVersion{Group: gv.Group, Version: runtime.APIVersionInternal}
	for kind, t := range tmp.KnownTypes(gv) {
		if t.PkgPath() == metaPkg || seen[kind] {
			continue
		}
		seen[kind] = true
		obj, ok := reflect.New(t).Interface().(runtime.Object)
		if !ok {
			panic(fmt.Sprintf("%v is not a runtime.Object", t))
		}
		Scheme.AddKnownTypeWithName(internal.WithKind(kind), obj)
	}
}

// PreferredVersions lists the preferred version of every installed group.
func PreferredVersions() []schema.GroupVersion {
	out := make([]schema.GroupVersion, 0, len(groups))
	for _, g := range groups {
		out = append(out, g.versions[0])
	}
	return out
}

func init() {
	metav1.AddToGroupVersion(Scheme, schema.GroupVersion{Version: "v1"})
	Scheme.AddUnversionedTypes(schema.GroupVersion{Group: "", Version: "v1"},
		&metav1.Status{},
		&metav1.APIVersions{},
		&metav1.APIGroupList{},
		&metav1.APIGroup{},
		&metav1.APIResourceList{},
	)
}
