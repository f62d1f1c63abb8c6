package podcertificaterequest

import (
	"context"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type podCertificateRequestStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of PodCertificateRequests.
var Strategy = podCertificateRequestStrategy{strategy.Namespaced()}

func (podCertificateRequestStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetStatus(certificatesv1.SchemeGroupVersion.String())
}

// PrepareForCreate clears status.
func (podCertificateRequestStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*certificatesv1.PodCertificateRequest)
	o.Status = certificatesv1.PodCertificateRequestStatus{}
	prepareForCreate(o)
}

// PrepareForUpdate keeps status.
func (podCertificateRequestStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*certificatesv1.PodCertificateRequest), oldObj.(*certificatesv1.PodCertificateRequest)
	o.Status = old.Status
	prepareForUpdate(o, old)
}

func (podCertificateRequestStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*certificatesv1.PodCertificateRequest))
}

func (podCertificateRequestStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*certificatesv1.PodCertificateRequest), old.(*certificatesv1.PodCertificateRequest))
}

type statusStrategy struct{ podCertificateRequestStrategy }

// StatusStrategy updates only .status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetAllButStatus(certificatesv1.SchemeGroupVersion.String())
}

// PrepareForUpdate keeps everything but status (and metadata a status
// writer may not change).
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*certificatesv1.PodCertificateRequest), oldObj.(*certificatesv1.PodCertificateRequest)
	metav1.ResetObjectMetaForStatus(&o.ObjectMeta, &old.ObjectMeta)
	o.Spec = old.Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateStatusUpdate(obj.(*certificatesv1.PodCertificateRequest), old.(*certificatesv1.PodCertificateRequest))
}
