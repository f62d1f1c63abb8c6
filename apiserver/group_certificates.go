package apiserver

import (
	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/certificates/certificatesigningrequest"
	"github.com/skiff-k8s/skiff/registry/certificates/clustertrustbundle"
	"github.com/skiff-k8s/skiff/registry/certificates/podcertificaterequest"
)

func init() { serve(certificatesv1.SchemeGroupVersion, certificatesV1) }

func certificatesV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	csr, csrStatus, csrApproval, err := certificatesigningrequest.NewREST(d.opts)
	s.add("certificatesigningrequests", csr, err)
	s.add("certificatesigningrequests/status", csrStatus, err)
	s.add("certificatesigningrequests/approval", csrApproval, err)
	ctb, err := clustertrustbundle.NewREST(d.opts)
	s.add("clustertrustbundles", ctb, err)
	pcr, pcrStatus, err := podcertificaterequest.NewREST(d.opts)
	s.add("podcertificaterequests", pcr, err)
	s.add("podcertificaterequests/status", pcrStatus, err)
	return s.done()
}
