package apigroups

import (
	"sort"
	"strings"
	"testing"
)

var storeVerbs = "create,delete,deletecollection,get,list,patch,update,watch"

// TestDiscovery checks every resource of these groups is served with
// upstream's verbs, scope, short names and categories (kubectl api-resources -o wide).
func TestDiscovery(t *testing.T) {
	type want struct {
		namespaced bool
		verbs      string
		short      string
		categories string
	}
	store := func(ns bool) want { return want{namespaced: ns, verbs: storeVerbs} }
	status := want{verbs: "get,patch,update"}
	statusNS := want{namespaced: true, verbs: "get,patch,update"}
	apiext := want{verbs: storeVerbs, categories: "api-extensions"}
	wants := map[string]map[string]want{
		"rbac.authorization.k8s.io/v1": {
			"roles": store(true), "rolebindings": store(true), "clusterroles": store(false), "clusterrolebindings": store(false),
		},
		"admissionregistration.k8s.io/v1": {
			"mutatingwebhookconfigurations": apiext, "validatingwebhookconfigurations": apiext,
			"validatingadmissionpolicies": apiext, "validatingadmissionpolicies/status": status,
			"validatingadmissionpolicybindings": apiext,
			"mutatingadmissionpolicies":         apiext, "mutatingadmissionpolicybindings": apiext,
		},
		"authentication.k8s.io/v1": {
			"tokenreviews": {verbs: "create"}, "selfsubjectreviews": {verbs: "create"},
		},
		"authorization.k8s.io/v1": {
			"subjectaccessreviews": {verbs: "create"}, "localsubjectaccessreviews": {namespaced: true, verbs: "create"},
			"selfsubjectaccessreviews": {verbs: "create"}, "selfsubjectrulesreviews": {verbs: "create"},
		},
		"certificates.k8s.io/v1": {
			"certificatesigningrequests": {verbs: storeVerbs, short: "csr"}, "certificatesigningrequests/status": status,
			"certificatesigningrequests/approval": status,
			"clustertrustbundles":                 store(false),
			"podcertificaterequests":              store(true), "podcertificaterequests/status": statusNS,
		},
		"flowcontrol.apiserver.k8s.io/v1": {
			"flowschemas": store(false), "flowschemas/status": status,
			"prioritylevelconfigurations": store(false), "prioritylevelconfigurations/status": status,
		},
		"node.k8s.io/v1":       {"runtimeclasses": store(false)},
		"scheduling.k8s.io/v1": {"priorityclasses": {verbs: storeVerbs, short: "pc"}},
		"storage.k8s.io/v1": {
			"storageclasses": {verbs: storeVerbs, short: "sc"}, "csidrivers": store(false),
			"csinodes": store(false), "csinodes/status": status, "csistoragecapacities": store(true),
			"volumeattachments": store(false), "volumeattachments/status": status,
			"volumeattributesclasses": {verbs: storeVerbs, short: "vac"},
		},
		"resource.k8s.io/v1": {
			"deviceclasses": store(false), "devicetaintrules": store(false), "devicetaintrules/status": status,
			"resourceclaims": store(true), "resourceclaims/status": statusNS,
			"resourceclaimtemplates": store(true), "resourceslices": store(false),
		},
		"storagemigration.k8s.io/v1": {
			"storageversionmigrations": store(false), "storageversionmigrations/status": status,
		},
	}
	for gv, resources := range wants {
		list, err := srv.Client.Discovery().ServerResourcesForGroupVersion(gv)
		if err != nil {
			t.Errorf("%s: %v", gv, err)
			continue
		}
		got := map[string]bool{}
		for _, r := range list.APIResources {
			got[r.Name] = true
			w, ok := resources[r.Name]
			if !ok {
				t.Errorf("%s: unexpected resource %s", gv, r.Name)
				continue
			}
			verbs := append([]string(nil), r.Verbs...)
			sort.Strings(verbs)
			if g := strings.Join(verbs, ","); g != w.verbs {
				t.Errorf("%s %s: verbs %s, want %s", gv, r.Name, g, w.verbs)
			}
			if r.Namespaced != w.namespaced {
				t.Errorf("%s %s: namespaced %v", gv, r.Name, r.Namespaced)
			}
			if g := strings.Join(r.ShortNames, ","); g != w.short {
				t.Errorf("%s %s: short names %q, want %q", gv, r.Name, g, w.short)
			}
			if g := strings.Join(r.Categories, ","); g != w.categories {
				t.Errorf("%s %s: categories %q, want %q", gv, r.Name, g, w.categories)
			}
		}
		for name := range resources {
			if !got[name] {
				t.Errorf("%s: %s not served", gv, name)
			}
		}
	}
}
