package apiserver

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/apps/controllerrevision"
	"github.com/skiff-k8s/skiff/registry/apps/daemonset"
	"github.com/skiff-k8s/skiff/registry/apps/deployment"
	"github.com/skiff-k8s/skiff/registry/apps/replicaset"
	"github.com/skiff-k8s/skiff/registry/apps/statefulset"
)

func init() { serve(appsv1.SchemeGroupVersion, appsV1) }

func appsV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	dep, depStatus, depScale, err := deployment.NewREST(d.opts)
	s.add("deployments", dep, err)
	s.add("deployments/status", depStatus, err)
	s.add("deployments/scale", depScale, err)
	sts, stsStatus, stsScale, err := statefulset.NewREST(d.opts)
	s.add("statefulsets", sts, err)
	s.add("statefulsets/status", stsStatus, err)
	s.add("statefulsets/scale", stsScale, err)
	ds, dsStatus, err := daemonset.NewREST(d.opts)
	s.add("daemonsets", ds, err)
	s.add("daemonsets/status", dsStatus, err)
	rs, rsStatus, rsScale, err := replicaset.NewREST(d.opts)
	s.add("replicasets", rs, err)
	s.add("replicasets/status", rsStatus, err)
	s.add("replicasets/scale", rsScale, err)
	cr, err := controllerrevision.NewREST(d.opts)
	s.add("controllerrevisions", cr, err)
	return s.done()
}
