// Package certificatesigningrequest serves certificates.k8s.io/v1
// CertificateSigningRequests with their status and approval subresources.
package certificatesigningrequest

import (
	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/subresource"
)

// REST is the certificatesigningrequests resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the certificatesigningrequests storage, its status and
// its approval subresources.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &certificatesv1.CertificateSigningRequest{} },
		NewListFunc:               func() runtime.Object { return &certificatesv1.CertificateSigningRequestList{} },
		DefaultQualifiedResource:  certificatesv1.Resource("certificatesigningrequests"),
		SingularQualifiedResource: certificatesv1.Resource("certificatesigningrequest"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		ResetFieldsStrategy:       Strategy,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}); err != nil {
		return nil, nil, nil, err
	}
	return &REST{store}, subresource.NewStatus(store, StatusStrategy), subresource.NewStatus(store, ApprovalStrategy), nil
}

var _ rest.ShortNamesProvider = &REST{}

// ShortNames implements rest.ShortNamesProvider.
func (*REST) ShortNames() []string { return []string{"csr"} }
