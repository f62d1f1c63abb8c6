package apiserver

import (
	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/storagemigration/storageversionmigration"
)

func init() { serve(storagemigrationv1.SchemeGroupVersion, storagemigrationV1) }

func storagemigrationV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	svm, svmStatus, err := storageversionmigration.NewREST(d.opts)
	s.add("storageversionmigrations", svm, err)
	s.add("storageversionmigrations/status", svmStatus, err)
	return s.done()
}
