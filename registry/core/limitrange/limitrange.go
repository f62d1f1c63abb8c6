// Package limitrange serves core/v1 LimitRanges. Upstream has no printer
// for them, so tables use the default NAME, CREATED AT columns.
package limitrange

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/strategy"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&corev1.LimitRange{}, func(obj interface{}) { SetDefaults(obj.(*corev1.LimitRange)) })
}

// SetDefaults mirrors upstream's SetDefaults_LimitRangeItem for Container
// limits: default from max, defaultRequest from default, then from min.
func SetDefaults(lr *corev1.LimitRange) {
	for i := range lr.Spec.Limits {
		item := &lr.Spec.Limits[i]
		if item.Type != corev1.LimitTypeContainer {
			continue
		}
		if item.Default == nil {
			item.Default = corev1.ResourceList{}
		}
		if item.DefaultRequest == nil {
			item.DefaultRequest = corev1.ResourceList{}
		}
		for k, v := range item.Max {
			if _, ok := item.Default[k]; !ok {
				item.Default[k] = v.DeepCopy()
			}
		}
		for k, v := range item.Default {
			if _, ok := item.DefaultRequest[k]; !ok {
				item.DefaultRequest[k] = v.DeepCopy()
			}
		}
		for k, v := range item.Min {
			if _, ok := item.DefaultRequest[k]; !ok {
				item.DefaultRequest[k] = v.DeepCopy()
			}
		}
	}
}

// REST is the limitranges resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the limitranges storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &corev1.LimitRange{} },
		NewListFunc:               func() runtime.Object { return &corev1.LimitRangeList{} },
		DefaultQualifiedResource:  corev1.Resource("limitranges"),
		SingularQualifiedResource: corev1.Resource("limitrange"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		TableConvertor:            rest.NewDefaultTableConvertor(corev1.Resource("limitranges")),
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}

// ShortNames implements rest.ShortNamesProvider.
func (*REST) ShortNames() []string { return []string{"limits"} }

type lrStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of LimitRanges.
var Strategy = lrStrategy{strategy.Namespaced()}

func (lrStrategy) PrepareForCreate(context.Context, runtime.Object)                 {}
func (lrStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}
func (lrStrategy) AllowCreateOnUpdate(context.Context) bool                         { return true }

func (lrStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*corev1.LimitRange))
}

func (lrStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	lr := obj.(*corev1.LimitRange)
	errs := validation.ValidateObjectMetaUpdate(&lr.ObjectMeta, &old.(*corev1.LimitRange).ObjectMeta, field.NewPath("metadata"))
	return append(errs, Validate(lr)...)
}

// Validate checks item types, duplicates and min <= defaultRequest <=
// default <= max, with upstream's messages.
func Validate(lr *corev1.LimitRange) field.ErrorList {
	errs := validation.ValidateObjectMeta(&lr.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	seen := map[corev1.LimitType]bool{}
	for i, item := range lr.Spec.Limits {
		p := field.NewPath("spec", "limits").Index(i)
		if seen[item.Type] {
			errs = append(errs, field.Duplicate(p.Child("type"), item.Type))
		}
		seen[item.Type] = true
		if item.Type == "" {
			errs = append(errs, field.Required(p.Child("type"), ""))
		}
		if item.Type == corev1.LimitTypePod {
			if len(item.Default) > 0 {
				errs = append(errs, field.Forbidden(p.Child("default"), "may not be specified when `type` is 'Pod'"))
			}
			if len(item.DefaultRequest) > 0 {
				errs = append(errs, field.Forbidden(p.Child("defaultRequest"), "may not be specified when `type` is 'Pod'"))
			}
		}
		check := func(list corev1.ResourceList, name string) {
			for k, q := range list {
				if q.Sign() < 0 {
					errs = append(errs, field.Invalid(p.Child(name).Key(string(k)), q.String(), "must be greater than or equal to 0"))
				}
			}
		}
		check(item.Max, "max")
		check(item.Min, "min")
		check(item.Default, "default")
		check(item.DefaultRequest, "defaultRequest")
		keys := map[corev1.ResourceName]bool{}
		for _, l := range []corev1.ResourceList{item.Max, item.Min, item.Default, item.DefaultRequest} {
			for k := range l {
				keys[k] = true
			}
		}
		for k := range keys {
			max, hasMax := item.Max[k]
			min, hasMin := item.Min[k]
			def, hasDef := item.Default[k]
			req, hasReq := item.DefaultRequest[k]
			less := func(a, b resource.Quantity) bool { return a.Cmp(b) < 0 }
			if hasMin && hasMax && less(max, min) {
				errs = append(errs, field.Invalid(p.Child("min").Key(string(k)), min.String(), fmt.Sprintf("min value %s is greater than max value %s", min.String(), max.String())))
			}
			if hasReq && hasMin && less(req, min) {
				errs = append(errs, field.Invalid(p.Child("defaultRequest").Key(string(k)), req.String(), fmt.Sprintf("min value %s is greater than default request value %s", min.String(), req.String())))
			}
			if hasReq && hasMax && less(max, req) {
				errs = append(errs, field.Invalid(p.Child("defaultRequest").Key(string(k)), req.String(), fmt.Sprintf("default request value %s is greater than max value %s", req.String(), max.String())))
			}
			if hasReq && hasDef && less(def, req) {
				errs = append(errs, field.Invalid(p.Child("defaultRequest").Key(string(k)), req.String(), fmt.Sprintf("default request value %s is greater than default limit value %s", req.String(), def.String())))
			}
			if hasDef && hasMin && less(def, min) {
				errs = append(errs, field.Invalid(p.Child("default").Key(string(k)), min.String(), fmt.Sprintf("min value %s is greater than default value %s", min.String(), def.String())))
			}
			if hasDef && hasMax && less(max, def) {
				errs = append(errs, field.Invalid(p.Child("default").Key(string(k)), max.String(), fmt.Sprintf("default value %s is greater than max value %s", def.String(), max.String())))
			}
		}
	}
	return errs
}
