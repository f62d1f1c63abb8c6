package workloads

import (
	"sort"
	"strings"
	"testing"
)

// TestDiscovery checks each resource's verbs, short names and categories
// are upstream's.
func TestDiscovery(t *testing.T) {
	type want struct{ short, categories, verbs string }
	all := "create,delete,deletecollection,get,list,patch,update,watch"
	cases := map[string]map[string]want{
		"apps/v1": {
			"deployments":         {"deploy", "all", all},
			"deployments/scale":   {"", "", "get,patch,update"},
			"deployments/status":  {"", "", "get,patch,update"},
			"replicasets":         {"rs", "all", all},
			"replicasets/scale":   {"", "", "get,patch,update"},
			"statefulsets":        {"sts", "all", all},
			"statefulsets/scale":  {"", "", "get,patch,update"},
			"daemonsets":          {"ds", "all", all},
			"daemonsets/status":   {"", "", "get,patch,update"},
			"controllerrevisions": {"", "", all},
		},
		"batch/v1": {
			"jobs":            {"", "all", all},
			"jobs/status":     {"", "", "get,patch,update"},
			"cronjobs":        {"cj", "all", all},
			"cronjobs/status": {"", "", "get,patch,update"},
		},
		"autoscaling/v1": {"horizontalpodautoscalers": {"hpa", "all", all}, "horizontalpodautoscalers/status": {"", "", "get,patch,update"}},
		"autoscaling/v2": {"horizontalpodautoscalers": {"hpa", "all", all}},
		"policy/v1":      {"poddisruptionbudgets": {"pdb", "", all}, "poddisruptionbudgets/status": {"", "", "get,patch,update"}},
	}
	for gv, resources := range cases {
		list, err := srv.Client.Discovery().ServerResourcesForGroupVersion(gv)
		if err != nil {
			t.Errorf("%s: %v", gv, err)
			continue
		}
		found := map[string]bool{}
		for _, r := range list.APIResources {
			w, ok := resources[r.Name]
			if !ok {
				continue
			}
			found[r.Name] = true
			verbs := append([]string(nil), r.Verbs...)
			sort.Strings(verbs)
			got := want{strings.Join(r.ShortNames, ","), strings.Join(r.Categories, ","), strings.Join(verbs, ",")}
			if got != w {
				t.Errorf("%s %s: got %+v, want %+v", gv, r.Name, got, w)
			}
			if r.Name == "deployments/scale" && (r.Group != "autoscaling" || r.Version != "v1" || r.Kind != "Scale") {
				t.Errorf("deployments/scale kind %s/%s %s", r.Group, r.Version, r.Kind)
			}
		}
		for name := range resources {
			if !found[name] {
				t.Errorf("%s lacks %s", gv, name)
			}
		}
	}
	groups, err := srv.Client.Discovery().ServerGroups()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups.Groups {
		if g.Name == "autoscaling" && g.PreferredVersion.Version != "v2" {
			t.Errorf("autoscaling preferred version %s", g.PreferredVersion.Version)
		}
	}
}
