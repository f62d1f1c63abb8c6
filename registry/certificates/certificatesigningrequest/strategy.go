package certificatesigningrequest

import (
	"context"
	"fmt"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/strategy"
)

// CSRs can be selected by signer (kubectl get csr --field-selector spec.signerName=...).
func init() {
	apis.MustAddFieldLabels(certificatesv1.SchemeGroupVersion.WithKind("CertificateSigningRequest"), "spec.signerName")
}

// GetAttrs returns the labels and selectable fields of a CSR.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	csr, ok := obj.(*certificatesv1.CertificateSigningRequest)
	if !ok {
		return nil, nil, fmt.Errorf("not a certificatesigningrequest: %T", obj)
	}
	return csr.Labels, generic.AddObjectMetaFieldsSet(fields.Set{"spec.signerName": csr.Spec.SignerName}, &csr.ObjectMeta, false), nil
}

type csrStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of CSRs.
var Strategy = csrStrategy{strategy.Cluster()}

func resetFields(paths ...fieldpath.Path) map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(certificatesv1.SchemeGroupVersion.String()): fieldpath.NewSet(paths...),
	}
}

func (csrStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return resetFields(fieldpath.MakePathOrDie("spec"), fieldpath.MakePathOrDie("status"))
}

// PrepareForCreate records the requesting user in the spec (whatever the
// client sent) and starts with an empty status: requests cannot be created
// pre-approved.
func (csrStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	csr.Spec.Username, csr.Spec.UID, csr.Spec.Groups, csr.Spec.Extra = "", "", nil, nil
	if u, ok := genericapirequest.UserFrom(ctx); ok {
		csr.Spec.Username = u.GetName()
		csr.Spec.UID = u.GetUID()
		csr.Spec.Groups = u.GetGroups()
		if extra := u.GetExtra(); len(extra) > 0 {
			csr.Spec.Extra = map[string]certificatesv1.ExtraValue{}
			for k, v := range extra {
				csr.Spec.Extra[k] = v
			}
		}
	}
	csr.Status = certificatesv1.CertificateSigningRequestStatus{Conditions: []certificatesv1.CertificateSigningRequestCondition{}}
}

// PrepareForUpdate keeps spec (immutable) and status (changed only through
// the subresources).
func (csrStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	n, o := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	n.Spec = o.Spec
	n.Status = o.Status
}

func (csrStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*certificatesv1.CertificateSigningRequest))
}

func (csrStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	n, o := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	return validateUpdate(n, o, optionsFor(n, o))
}

type statusStrategy struct{ csrStrategy }

// StatusStrategy updates status (the issued certificate, Failed conditions)
// but not Approved/Denied conditions.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return resetFields(fieldpath.MakePathOrDie("spec"), fieldpath.MakePathOrDie("status", "conditions"))
}

func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	n, o := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	n.Spec = o.Spec
	preserveConditions(n, o, certificatesv1.CertificateApproved)
	preserveConditions(n, o, certificatesv1.CertificateDenied)
	populateConditionTimestamps(n, o)
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	n, o := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	opts := optionsFor(n, o)
	opts.allowSettingCertificate = true
	return validateUpdate(n, o, opts)
}

type approvalStrategy struct{ csrStrategy }

// ApprovalStrategy updates only status.conditions (kubectl certificate approve/deny).
var ApprovalStrategy = approvalStrategy{Strategy}

func (approvalStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return resetFields(fieldpath.MakePathOrDie("spec"), fieldpath.MakePathOrDie("status", "certificate"))
}

func (approvalStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	n, o := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	populateConditionTimestamps(n, o)
	conditions := n.Status.Conditions
	n.Spec = o.Spec
	n.Status = o.Status
	n.Status.Conditions = conditions
}

func (approvalStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	n, o := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	opts := optionsFor(n, o)
	opts.allowSettingApprovalConditions = true
	return validateUpdate(n, o, opts)
}

// preserveConditions keeps the old instances of a condition type when the
// update has as many of them, so a status writer cannot alter approvals.
func preserveConditions(n, o *certificatesv1.CertificateSigningRequest, t certificatesv1.RequestConditionType) {
	oldIdx, newIdx := conditionIndices(o, t), conditionIndices(n, t)
	if len(oldIdx) != len(newIdx) {
		return
	}
	for i, oi := range oldIdx {
		n.Status.Conditions[newIdx[i]] = o.Status.Conditions[oi]
	}
}

func conditionIndices(csr *certificatesv1.CertificateSigningRequest, t certificatesv1.RequestConditionType) []int {
	var out []int
	for i, c := range csr.Status.Conditions {
		if c.Type == t {
			out = append(out, i)
		}
	}
	return out
}

// populateConditionTimestamps fills lastUpdateTime and lastTransitionTime
// when the client left them empty.
func populateConditionTimestamps(n, o *certificatesv1.CertificateSigningRequest) {
	now := metav1.Now()
	for i := range n.Status.Conditions {
		c := &n.Status.Conditions[i]
		if c.LastUpdateTime.IsZero() {
			c.LastUpdateTime = now
		}
		if c.LastTransitionTime.IsZero() {
			last := now
			for _, oc := range o.Status.Conditions {
				if oc.Type == c.Type && oc.Status == c.Status && !oc.LastTransitionTime.IsZero() {
					last = oc.LastTransitionTime
					break
				}
			}
			c.LastTransitionTime = last
		}
	}
}
