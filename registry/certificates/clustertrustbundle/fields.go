package clustertrustbundle

import (
	"fmt"

	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/skiff-k8s/skiff/apis"
)

func init() {
	apis.MustAddFieldLabels(certificatesv1.SchemeGroupVersion.WithKind("ClusterTrustBundle"), "spec.signerName")
}

// GetAttrs returns the labels and selectable fields (spec.signerName) of a ClusterTrustBundle.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	o, ok := obj.(*certificatesv1.ClusterTrustBundle)
	if !ok {
		return nil, nil, fmt.Errorf("not a ClusterTrustBundle: %T", obj)
	}
	return o.Labels, generic.AddObjectMetaFieldsSet(fields.Set{"spec.signerName": o.Spec.SignerName}, &o.ObjectMeta, false), nil
}
