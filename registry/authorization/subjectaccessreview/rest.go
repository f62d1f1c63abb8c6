// Package subjectaccessreview serves authorization.k8s.io/v1
// SubjectAccessReviews: create-only, it asks the server's authorizer whether
// the user in the spec may do something. Nothing is stored.
package subjectaccessreview

import (
	"context"
	"fmt"

	authorizationv1 "k8s.io/api/authorization/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/authorization/selfsubjectaccessreview"
)

// REST creates SubjectAccessReviews.
type REST struct {
	authorizer authorizer.Authorizer
}

// NewREST returns the subjectaccessreviews resource.
func NewREST(a authorizer.Authorizer) *REST { return &REST{authorizer: a} }

var (
	_ rest.Creater              = &REST{}
	_ rest.Scoper               = &REST{}
	_ rest.SingularNameProvider = &REST{}
)

func (r *REST) New() runtime.Object     { return &authorizationv1.SubjectAccessReview{} }
func (r *REST) Destroy()                {}
func (r *REST) NamespaceScoped() bool   { return false }
func (r *REST) GetSingularName() string { return "subjectaccessreview" }

// Create evaluates the review.
func (r *REST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, _ *metav1.CreateOptions) (runtime.Object, error) {
	review, ok := obj.(*authorizationv1.SubjectAccessReview)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a SubjectAccessReview: %#v", obj))
	}
	if errs := Validate(review); len(errs) > 0 {
		return nil, apierrors.NewInvalid(authorizationv1.SchemeGroupVersion.WithKind("SubjectAccessReview").GroupKind(), "", errs)
	}
	if createValidation != nil {
		if err := createValidation(ctx, obj.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	review.Status = Evaluate(ctx, r.authorizer, review.Spec)
	return review, nil
}

// Evaluate asks a for the spec's user and attributes.
func Evaluate(ctx context.Context, a authorizer.Authorizer, spec authorizationv1.SubjectAccessReviewSpec) authorizationv1.SubjectAccessReviewStatus {
	u := &user.DefaultInfo{Name: spec.User, UID: spec.UID, Groups: spec.Groups}
	if spec.Extra != nil {
		u.Extra = map[string][]string{}
		for k, v := range spec.Extra {
			u.Extra[k] = v
		}
	}
	attrs := selfsubjectaccessreview.Attributes(u, spec.ResourceAttributes, spec.NonResourceAttributes)
	decision, reason, err := a.Authorize(ctx, attrs)
	status := authorizationv1.SubjectAccessReviewStatus{
		Allowed: decision == authorizer.DecisionAllow,
		Denied:  decision == authorizer.DecisionDeny,
		Reason:  reason,
	}
	if err != nil {
		status.EvaluationError = err.Error()
	}
	return status
}

// ValidateSpec requires exactly one kind of attributes and a user or group.
func ValidateSpec(spec authorizationv1.SubjectAccessReviewSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if (spec.ResourceAttributes == nil) == (spec.NonResourceAttributes == nil) {
		errs = append(errs, field.Invalid(fldPath, spec.NonResourceAttributes, "exactly one of nonResourceAttributes or resourceAttributes must be specified"))
	}
	if spec.User == "" && len(spec.Groups) == 0 {
		errs = append(errs, field.Invalid(fldPath.Child("user"), spec.User, "at least one of user or group must be specified"))
	}
	if ra := spec.ResourceAttributes; ra != nil {
		p := field.NewPath("spec.resourceAttributes")
		if fs := ra.FieldSelector; fs != nil && fs.RawSelector != "" && len(fs.Requirements) > 0 {
			errs = append(errs, field.Invalid(p.Child("fieldSelector", "rawSelector"), fs.RawSelector, "may not specified at the same time as requirements"))
		}
		if ls := ra.LabelSelector; ls != nil && ls.RawSelector != "" && len(ls.Requirements) > 0 {
			errs = append(errs, field.Invalid(p.Child("labelSelector", "rawSelector"), ls.RawSelector, "may not specified at the same time as requirements"))
		}
	}
	return errs
}

// Validate checks the spec and that metadata is empty.
func Validate(r *authorizationv1.SubjectAccessReview) field.ErrorList {
	errs := ValidateSpec(r.Spec, field.NewPath("spec"))
	meta := r.ObjectMeta
	meta.ManagedFields = nil
	if !apiequality.Semantic.DeepEqual(metav1.ObjectMeta{}, meta) {
		errs = append(errs, field.Invalid(field.NewPath("metadata"), r.ObjectMeta, "must be empty"))
	}
	return errs
}
