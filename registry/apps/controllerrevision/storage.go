// Package controllerrevision serves apps/v1 ControllerRevisions.
package controllerrevision

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/skiff-k8s/skiff/registry/strategy"
	"github.com/skiff-k8s/skiff/registry/table"
)

// REST is the controllerrevisions resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the controllerrevisions storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &appsv1.ControllerRevision{} },
		NewListFunc:               func() runtime.Object { return &appsv1.ControllerRevisionList{} },
		DefaultQualifiedResource:  appsv1.Resource("controllerrevisions"),
		SingularQualifiedResource: appsv1.Resource("controllerrevision"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}

type crStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of ControllerRevisions.
var Strategy = crStrategy{strategy.Namespaced()}

func (crStrategy) PrepareForCreate(context.Context, runtime.Object)                 {}
func (crStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

func (crStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*appsv1.ControllerRevision))
}

func (crStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*appsv1.ControllerRevision), old.(*appsv1.ControllerRevision))
}

func validateCommon(cr *appsv1.ControllerRevision) field.ErrorList {
	errs := validation.ValidateObjectMeta(&cr.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, validation.ValidateNonnegativeField(cr.Revision, field.NewPath("revision"))...)
}

// Validate checks a new ControllerRevision: data must be a JSON object.
func Validate(cr *appsv1.ControllerRevision) field.ErrorList {
	errs := validateCommon(cr)
	var v any
	p := field.NewPath("data")
	switch {
	case cr.Data.Raw == nil:
		errs = append(errs, field.Required(p, "data is mandatory"))
	case json.Unmarshal(cr.Data.Raw, &v) != nil:
		err := json.Unmarshal(cr.Data.Raw, &v)
		errs = append(errs, field.Invalid(p, "<value omitted>", fmt.Sprintf("error parsing data: %v", err.Error())))
	case v == nil:
		errs = append(errs, field.Required(p, "data is mandatory"))
	default:
		if _, ok := v.(map[string]any); !ok {
			errs = append(errs, field.Required(p, "data must be a valid JSON object"))
		}
	}
	return errs
}

// ValidateUpdate keeps data immutable.
func ValidateUpdate(cr, old *appsv1.ControllerRevision) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&cr.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, validateCommon(cr)...)
	return append(errs, validation.ValidateImmutableField(cr.Data, old.Data, field.NewPath("data"))...)
}

// Table prints NAME, CONTROLLER, REVISION, AGE.
var Table = table.Convertor[*appsv1.ControllerRevision]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Controller", Type: "string", Description: "Controller of the object"},
		{Name: "Revision", Type: "string", Description: appsv1.ControllerRevision{}.SwaggerDoc()["revision"]},
		table.AgeColumn,
	},
	Row: func(cr *appsv1.ControllerRevision) []interface{} {
		controller := "<none>"
		if ref := metav1.GetControllerOf(cr); ref != nil {
			if gv, err := schema.ParseGroupVersion(ref.APIVersion); err == nil {
				gk := gv.WithKind(ref.Kind).GroupKind()
				controller = ref.Name
				if !gk.Empty() {
					controller = strings.ToLower(gk.String()) + "/" + ref.Name
				}
			}
		}
		return []interface{}{cr.Name, controller, cr.Revision, table.Age(cr.CreationTimestamp)}
	},
}
