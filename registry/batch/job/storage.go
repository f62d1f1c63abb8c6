// Package job serves batch/v1 Jobs with their status subresource.
package job

import (
	"context"
	"fmt"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/warning"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/subresource"
)

func init() {
	apis.MustAddFieldLabels(batchv1.SchemeGroupVersion.WithKind("Job"), "status.successful")
}

// REST is the jobs resource.
type REST struct {
	*genericregistry.Store
}

var _ rest.CategoriesProvider = &REST{}

// NewREST returns the jobs storage and jobs/status.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &batchv1.Job{} },
		NewListFunc:               func() runtime.Object { return &batchv1.JobList{} },
		DefaultQualifiedResource:  batchv1.Resource("jobs"),
		SingularQualifiedResource: batchv1.Resource("job"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		ResetFieldsStrategy:       Strategy,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}); err != nil {
		return nil, nil, err
	}
	return &REST{store}, subresource.NewStatus(store, StatusStrategy), nil
}

// Categories implements rest.CategoriesProvider.
func (*REST) Categories() []string { return []string{"all"} }

const deleteOptionWarnings = "child pods are preserved by default when jobs are deleted; " +
	"set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning"

// Delete warns, as upstream, that a batch/v1 delete naming no propagation
// policy orphans the job's pods (the strategy's default policy).
func (r *REST) Delete(ctx context.Context, name string, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions) (runtime.Object, bool, error) {
	warnOrphan(ctx, options)
	return r.Store.Delete(ctx, name, deleteValidation, options)
}

// DeleteCollection is Delete for many jobs.
func (r *REST) DeleteCollection(ctx context.Context, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions, listOptions *metainternalversion.ListOptions) (runtime.Object, error) {
	warnOrphan(ctx, options)
	return r.Store.DeleteCollection(ctx, deleteValidation, options, listOptions)
}

func warnOrphan(ctx context.Context, options *metav1.DeleteOptions) {
	//nolint:staticcheck // OrphanDependents is still honoured
	if options != nil && options.PropagationPolicy == nil && options.OrphanDependents == nil &&
		Strategy.DefaultGarbageCollectionPolicy(ctx) == rest.OrphanDependents {
		warning.AddWarning(ctx, "", deleteOptionWarnings)
	}
}

// GetAttrs returns the labels and fields of a Job (status.successful).
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	j, ok := obj.(*batchv1.Job)
	if !ok {
		return nil, nil, fmt.Errorf("not a job: %T", obj)
	}
	f := fields.Set{"status.successful": strconv.Itoa(int(j.Status.Succeeded))}
	return j.Labels, generic.AddObjectMetaFieldsSet(f, &j.ObjectMeta, true), nil
}
