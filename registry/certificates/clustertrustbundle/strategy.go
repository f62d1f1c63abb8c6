package clustertrustbundle

import (
	"context"

	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type clusterTrustBundleStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of ClusterTrustBundles.
var Strategy = clusterTrustBundleStrategy{strategy.Cluster()}

// PrepareForCreate applies the resource's own create rules.
func (clusterTrustBundleStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*certificatesv1.ClusterTrustBundle)
	prepareForCreate(o)
}

// PrepareForUpdate applies the resource's own update rules.
func (clusterTrustBundleStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*certificatesv1.ClusterTrustBundle), oldObj.(*certificatesv1.ClusterTrustBundle)
	prepareForUpdate(o, old)
}

func (clusterTrustBundleStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*certificatesv1.ClusterTrustBundle))
}

func (clusterTrustBundleStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*certificatesv1.ClusterTrustBundle), old.(*certificatesv1.ClusterTrustBundle))
}
