package apiserver

import (
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/batch/cronjob"
	"github.com/skiff-k8s/skiff/registry/batch/job"
)

func init() { serve(batchv1.SchemeGroupVersion, batchV1) }

func batchV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	j, jStatus, err := job.NewREST(d.opts)
	s.add("jobs", j, err)
	s.add("jobs/status", jStatus, err)
	cj, cjStatus, err := cronjob.NewREST(d.opts)
	s.add("cronjobs", cj, err)
	s.add("cronjobs/status", cjStatus, err)
	return s.done()
}
