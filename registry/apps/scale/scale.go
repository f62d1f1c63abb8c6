// Package scale serves the /scale subresource of the apps workloads
// (deployments, replicasets, statefulsets) as an autoscaling/v1 Scale, as
// upstream's ScaleREST does: GET reads the parent's replicas and selector,
// PUT and PATCH write spec.replicas back to the parent.
package scale

import (
	"context"
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Target says how to read and write the replicas of one parent kind.
type Target struct {
	// Resource is the parent, e.g. apps "deployments".
	Resource schema.GroupResource
	// Get returns the parent's spec.replicas, status.replicas and selector.
	Get func(obj runtime.Object) (spec, status int32, selector *metav1.LabelSelector)
	// Set writes spec.replicas.
	Set func(obj runtime.Object, replicas int32)
}

// REST is <resource>/scale.
type REST struct {
	store  *genericregistry.Store
	target Target
}

// New returns the scale subresource of the parent in store.
func New(store *genericregistry.Store, target Target) *REST {
	return &REST{store: store, target: target}
}

var (
	_ rest.Patcher                  = &REST{}
	_ rest.GroupVersionKindProvider = &REST{}
	_ rest.TableConvertor           = &REST{}
)

// GroupVersionKind is autoscaling/v1 Scale in every apps version.
func (r *REST) GroupVersionKind(schema.GroupVersion) schema.GroupVersionKind {
	return autoscalingv1.SchemeGroupVersion.WithKind("Scale")
}

func (r *REST) New() runtime.Object { return &autoscalingv1.Scale{} }
func (r *REST) Destroy()            {}

// Get returns the parent's Scale.
func (r *REST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	obj, err := r.store.Get(ctx, name, options)
	if err != nil {
		return nil, err
	}
	s, err := r.scaleOf(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	return s, nil
}

// Update moves the new Scale's spec.replicas to the parent.
func (r *REST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, _ bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	obj, _, err := r.store.Update(ctx, name, &updatedInfo{name: name, req: objInfo, r: r},
		r.createValidation(createValidation), r.updateValidation(updateValidation), false, options)
	if err != nil {
		return nil, false, err
	}
	s, err := r.scaleOf(obj)
	if err != nil {
		return nil, false, apierrors.NewBadRequest(err.Error())
	}
	return s, false, nil
}

func (r *REST) createValidation(f rest.ValidateObjectFunc) rest.ValidateObjectFunc {
	if f == nil {
		return nil
	}
	return func(ctx context.Context, obj runtime.Object) error {
		s, err := r.scaleOf(obj)
		if err != nil {
			return err
		}
		return f(ctx, s)
	}
}

func (r *REST) updateValidation(f rest.ValidateObjectUpdateFunc) rest.ValidateObjectUpdateFunc {
	if f == nil {
		return nil
	}
	return func(ctx context.Context, obj, old runtime.Object) error {
		s, err := r.scaleOf(obj)
		if err != nil {
			return err
		}
		o, err := r.scaleOf(old)
		if err != nil {
			return err
		}
		return f(ctx, s, o)
	}
}

func (r *REST) scaleOf(obj runtime.Object) (*autoscalingv1.Scale, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	spec, status, sel := r.target.Get(obj)
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil, err
	}
	return &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{
			Name:              m.GetName(),
			Namespace:         m.GetNamespace(),
			UID:               m.GetUID(),
			ResourceVersion:   m.GetResourceVersion(),
			CreationTimestamp: m.GetCreationTimestamp(),
		},
		Spec:   autoscalingv1.ScaleSpec{Replicas: spec},
		Status: autoscalingv1.ScaleStatus{Replicas: status, Selector: selector.String()},
	}, nil
}

// replicasPaths maps the parent's group versions to where its replicas live,
// so that managed fields move between the parent and the Scale.
func (r *REST) replicasPaths() managedfields.ResourcePathMappings {
	return managedfields.ResourcePathMappings{
		schema.GroupVersion{Group: r.target.Resource.Group, Version: "v1"}.String(): fieldpath.MakePathOrDie("spec", "replicas"),
	}
}

// Validate checks a Scale as upstream: managed fields and a non-negative
// spec.replicas.
func Validate(s *autoscalingv1.Scale) field.ErrorList {
	errs := metav1validation.ValidateManagedFields(s.ManagedFields, field.NewPath("metadata", "managedFields"))
	if s.Spec.Replicas < 0 {
		errs = append(errs, validation.ValidateNonnegativeField(int64(s.Spec.Replicas), field.NewPath("spec", "replicas"))...)
	}
	return errs
}

// updatedInfo turns the parent into the old Scale, applies the request to
// it and writes the result back into the parent.
type updatedInfo struct {
	name string
	req  rest.UpdatedObjectInfo
	r    *REST
}

func (i *updatedInfo) Preconditions() *metav1.Preconditions { return i.req.Preconditions() }

func (i *updatedInfo) UpdatedObject(ctx context.Context, oldObj runtime.Object) (runtime.Object, error) {
	parent := oldObj.DeepCopyObject()
	m, err := meta.Accessor(parent)
	if err != nil {
		return nil, err
	}
	sub := schema.GroupResource{Group: i.r.target.Resource.Group, Resource: i.r.target.Resource.Resource + "/scale"}
	if m.GetResourceVersion() == "" {
		return nil, apierrors.NewNotFound(sub, i.name)
	}
	gv := schema.GroupVersion{Group: i.r.target.Resource.Group, Version: "v1"}
	if info, ok := genericapirequest.RequestInfoFrom(ctx); ok && info.APIGroup == gv.Group && info.APIVersion != "" {
		gv.Version = info.APIVersion
	}
	paths := i.r.replicasPaths()
	if _, ok := paths[gv.String()]; !ok {
		gv.Version = "v1"
	}
	handler := managedfields.NewScaleHandler(m.GetManagedFields(), gv, paths)

	old, err := i.r.scaleOf(parent)
	if err != nil {
		return nil, err
	}
	if old.ManagedFields, err = handler.ToSubresource(); err != nil {
		return nil, err
	}
	newObj, err := i.req.UpdatedObject(ctx, old)
	if err != nil {
		return nil, err
	}
	if newObj == nil {
		return nil, apierrors.NewBadRequest("nil update passed to Scale")
	}
	s, ok := newObj.(*autoscalingv1.Scale)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected input object type to be Scale, but %T", newObj))
	}
	if errs := Validate(s); len(errs) > 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: autoscalingv1.GroupName, Kind: "Scale"}, m.GetName(), errs)
	}
	if s.UID != "" && s.UID != m.GetUID() {
		return nil, apierrors.NewConflict(sub, m.GetName(),
			fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", s.UID, m.GetUID()))
	}
	i.r.target.Set(parent, s.Spec.Replicas)
	m.SetResourceVersion(s.ResourceVersion)
	entries, err := handler.ToParent(s.ManagedFields)
	if err != nil {
		return nil, err
	}
	m.SetManagedFields(entries)
	return parent, nil
}

// Table prints a Scale as upstream: NAME, DESIRED, AVAILABLE, AGE.
var Table = table.Convertor[*autoscalingv1.Scale]{
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Desired", Type: "integer", Description: autoscalingv1.ScaleSpec{}.SwaggerDoc()["replicas"]},
		{Name: "Available", Type: "integer", Description: autoscalingv1.ScaleStatus{}.SwaggerDoc()["replicas"]},
		table.AgeColumn,
	},
	Row: func(s *autoscalingv1.Scale) []interface{} {
		return []interface{}{s.Name, int64(s.Spec.Replicas), int64(s.Status.Replicas), table.Age(s.CreationTimestamp)}
	},
}

func (r *REST) ConvertToTable(ctx context.Context, obj runtime.Object, opts runtime.Object) (*metav1.Table, error) {
	return Table.ConvertToTable(ctx, obj, opts)
}
