package apiserver

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/storage/csidriver"
	"github.com/skiff-k8s/skiff/registry/storage/csinode"
	"github.com/skiff-k8s/skiff/registry/storage/csistoragecapacity"
	"github.com/skiff-k8s/skiff/registry/storage/storageclass"
	"github.com/skiff-k8s/skiff/registry/storage/volumeattachment"
	"github.com/skiff-k8s/skiff/registry/storage/volumeattributesclass"
)

func init() { serve(storagev1.SchemeGroupVersion, storageV1) }

func storageV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	sc, err := storageclass.NewREST(d.opts)
	s.add("storageclasses", sc, err)
	va, vaStatus, err := volumeattachment.NewREST(d.opts)
	s.add("volumeattachments", va, err)
	s.add("volumeattachments/status", vaStatus, err)
	vac, err := volumeattributesclass.NewREST(d.opts)
	s.add("volumeattributesclasses", vac, err)
	cn, cnStatus, err := csinode.NewREST(d.opts)
	s.add("csinodes", cn, err)
	s.add("csinodes/status", cnStatus, err)
	cd, err := csidriver.NewREST(d.opts)
	s.add("csidrivers", cd, err)
	csc, err := csistoragecapacity.NewREST(d.opts)
	s.add("csistoragecapacities", csc, err)
	return s.done()
}
