// Package clustertrustbundle serves certificates.k8s.io/v1 ClusterTrustBundle objects (clustertrustbundles).
package clustertrustbundle

import (
	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
)

// REST is the clustertrustbundles resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the clustertrustbundles storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &certificatesv1.ClusterTrustBundle{} },
		NewListFunc:               func() runtime.Object { return &certificatesv1.ClusterTrustBundleList{} },
		DefaultQualifiedResource:  certificatesv1.Resource("clustertrustbundles"),
		SingularQualifiedResource: certificatesv1.Resource("clustertrustbundle"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}
