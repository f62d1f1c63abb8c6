package apiserver

import (
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/resource/deviceclass"
	"github.com/skiff-k8s/skiff/registry/resource/devicetaintrule"
	"github.com/skiff-k8s/skiff/registry/resource/resourceclaim"
	"github.com/skiff-k8s/skiff/registry/resource/resourceclaimtemplate"
	"github.com/skiff-k8s/skiff/registry/resource/resourceslice"
)

func init() { serve(resourcev1.SchemeGroupVersion, resourceV1) }

func resourceV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	dc, err := deviceclass.NewREST(d.opts)
	s.add("deviceclasses", dc, err)
	dtr, dtrStatus, err := devicetaintrule.NewREST(d.opts)
	s.add("devicetaintrules", dtr, err)
	s.add("devicetaintrules/status", dtrStatus, err)
	rc, rcStatus, err := resourceclaim.NewREST(d.opts)
	s.add("resourceclaims", rc, err)
	s.add("resourceclaims/status", rcStatus, err)
	rct, err := resourceclaimtemplate.NewREST(d.opts)
	s.add("resourceclaimtemplates", rct, err)
	rs, err := resourceslice.NewREST(d.opts)
	s.add("resourceslices", rs, err)
	return s.done()
}
