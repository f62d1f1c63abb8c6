// Package resourcequota serves core/v1 ResourceQuotas with their status
// subresource. (Quota enforcement is an admission plugin, not served here.)
package resourcequota

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/registry/strategy"
	"github.com/skiff-k8s/skiff/registry/subresource"
	"github.com/skiff-k8s/skiff/registry/table"
)

// REST is the resourcequotas resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the resourcequotas storage and its status.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &corev1.ResourceQuota{} },
		NewListFunc:               func() runtime.Object { return &corev1.ResourceQuotaList{} },
		DefaultQualifiedResource:  corev1.Resource("resourcequotas"),
		SingularQualifiedResource: corev1.Resource("resourcequota"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		ResetFieldsStrategy:       Strategy,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, nil, err
	}
	return &REST{store}, subresource.NewStatus(store, StatusStrategy), nil
}

// ShortNames implements rest.ShortNamesProvider.
func (*REST) ShortNames() []string { return []string{"quota"} }

type quotaStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of ResourceQuotas.
var Strategy = quotaStrategy{strategy.Namespaced()}

func (quotaStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetStatus("v1")
}

func (quotaStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*corev1.ResourceQuota).Status = corev1.ResourceQuotaStatus{}
}

func (quotaStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.ResourceQuota).Status = old.(*corev1.ResourceQuota).Status
}

func (quotaStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*corev1.ResourceQuota))
}

func (quotaStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	q := obj.(*corev1.ResourceQuota)
	errs := validation.ValidateObjectMetaUpdate(&q.ObjectMeta, &old.(*corev1.ResourceQuota).ObjectMeta, field.NewPath("metadata"))
	return append(errs, Validate(q)...)
}

var scopes = sets.New(corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating,
	corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeNotBestEffort,
	corev1.ResourceQuotaScopePriorityClass, corev1.ResourceQuotaScopeCrossNamespacePodAffinity,
	corev1.ResourceQuotaScopeVolumeAttributesClass)

func validateList(list corev1.ResourceList, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for k, q := range list {
		kp := p.Key(string(k))
		if !strings.Contains(string(k), "/") || strings.HasPrefix(string(k), "requests.") || strings.HasPrefix(string(k), "limits.") || strings.HasPrefix(string(k), "count/") {
			// standard names and the request/limit/count forms
		} else {
			for _, msg := range utilvalidation.IsQualifiedName(string(k)) {
				errs = append(errs, field.Invalid(kp, k, msg))
			}
		}
		if q.Sign() < 0 {
			errs = append(errs, field.Invalid(kp, q.String(), "must be greater than or equal to 0"))
		}
	}
	return errs
}

// Validate checks hard limits, scopes and the status lists.
func Validate(q *corev1.ResourceQuota) field.ErrorList {
	errs := validation.ValidateObjectMeta(&q.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	errs = append(errs, validateList(q.Spec.Hard, field.NewPath("spec", "hard"))...)
	for i, s := range q.Spec.Scopes {
		if !scopes.Has(s) {
			errs = append(errs, field.Invalid(field.NewPath("spec", "scopes").Index(i), s, "unsupported scope"))
		}
	}
	errs = append(errs, validateList(q.Status.Hard, field.NewPath("status", "hard"))...)
	return append(errs, validateList(q.Status.Used, field.NewPath("status", "used"))...)
}

type statusStrategy struct{ quotaStrategy }

// StatusStrategy lets only .status change.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetAllButStatus("v1")
}

func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.ResourceQuota).Spec = old.(*corev1.ResourceQuota).Spec
}

// Table prints NAME, REQUEST, LIMIT, AGE as upstream: used/hard for every
// resource in status.hard, limits.* ones in LIMIT.
var Table = table.Convertor[*corev1.ResourceQuota]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Request", Type: "string", Description: "Request represents a minimum amount of cpu/memory that a container may consume."},
		{Name: "Limit", Type: "string", Description: "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."},
		table.AgeColumn,
	},
	Row: func(q *corev1.ResourceQuota) []interface{} {
		names := make([]string, 0, len(q.Status.Hard))
		for k := range q.Status.Hard {
			names = append(names, string(k))
		}
		sort.Strings(names)
		var req, lim bytes.Buffer
		for _, n := range names {
			w := &req
			if pieces := strings.Split(n, "."); len(pieces) > 1 && pieces[0] == "limits" {
				w = &lim
			}
			used, hard := q.Status.Used[corev1.ResourceName(n)], q.Status.Hard[corev1.ResourceName(n)]
			fmt.Fprintf(w, "%s: %s/%s, ", n, used.String(), hard.String())
		}
		return []interface{}{q.Name, strings.TrimSuffix(req.String(), ", "), strings.TrimSuffix(lim.String(), ", "), table.Age(q.CreationTimestamp)}
	},
}
