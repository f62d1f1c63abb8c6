package podcertificaterequest

import (
	"fmt"

	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/utils/ptr"

	"github.com/skiff-k8s/skiff/apis"
)

func init() {
	apis.MustAddFieldLabels(certificatesv1.SchemeGroupVersion.WithKind("PodCertificateRequest"), "spec.signerName", "spec.podName", "spec.nodeName")
	apis.Scheme.AddTypeDefaultingFunc(&certificatesv1.PodCertificateRequest{}, func(obj interface{}) {
		o := obj.(*certificatesv1.PodCertificateRequest)
		if o.Spec.MaxExpirationSeconds == nil {
			o.Spec.MaxExpirationSeconds = ptr.To[int32](86400)
		}
	})
}

// GetAttrs returns the labels and selectable fields of a PodCertificateRequest.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	o, ok := obj.(*certificatesv1.PodCertificateRequest)
	if !ok {
		return nil, nil, fmt.Errorf("not a PodCertificateRequest: %T", obj)
	}
	return o.Labels, generic.AddObjectMetaFieldsSet(fields.Set{
		"spec.signerName": o.Spec.SignerName,
		"spec.podName":    o.Spec.PodName,
		"spec.nodeName":   string(o.Spec.NodeName),
	}, &o.ObjectMeta, true), nil
}
