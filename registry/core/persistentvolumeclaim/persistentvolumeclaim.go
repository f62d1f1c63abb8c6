// Package persistentvolumeclaim serves core/v1 PersistentVolumeClaims with
// their status subresource.
package persistentvolumeclaim

import (
	"context"
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/core/persistentvolume"
	"github.com/skiff-k8s/skiff/registry/strategy"
	"github.com/skiff-k8s/skiff/registry/subresource"
	"github.com/skiff-k8s/skiff/registry/table"
)

func init() {
	apis.MustAddFieldLabels(corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaim"), "name")
	apis.Scheme.AddTypeDefaultingFunc(&corev1.PersistentVolumeClaim{}, func(obj interface{}) { SetDefaults(obj.(*corev1.PersistentVolumeClaim)) })
}

// SetDefaults mirrors upstream: phase Pending, volume mode Filesystem.
func SetDefaults(pvc *corev1.PersistentVolumeClaim) {
	if pvc.Status.Phase == "" {
		pvc.Status.Phase = corev1.ClaimPending
	}
	if pvc.Spec.VolumeMode == nil {
		m := corev1.PersistentVolumeFilesystem
		pvc.Spec.VolumeMode = &m
	}
}

// GetAttrs returns the labels and selectable fields (the legacy "name").
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	pvc, ok := obj.(*corev1.PersistentVolumeClaim)
	if !ok {
		return nil, nil, fmt.Errorf("not a persistentvolumeclaim: %T", obj)
	}
	return pvc.Labels, generic.AddObjectMetaFieldsSet(fields.Set{"name": pvc.Name}, &pvc.ObjectMeta, true), nil
}

// REST is the persistentvolumeclaims resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the persistentvolumeclaims storage and its status.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &corev1.PersistentVolumeClaim{} },
		NewListFunc:               func() runtime.Object { return &corev1.PersistentVolumeClaimList{} },
		DefaultQualifiedResource:  corev1.Resource("persistentvolumeclaims"),
		SingularQualifiedResource: corev1.Resource("persistentvolumeclaim"),
		ReturnDeletedObject:       true,
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

// ShortNames implements rest.ShortNamesProvider.
func (*REST) ShortNames() []string { return []string{"pvc"} }

type pvcStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of claims.
var Strategy = pvcStrategy{strategy.Namespaced()}

func (pvcStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetStatus("v1")
}

func (pvcStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	pvc := obj.(*corev1.PersistentVolumeClaim)
	pvc.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}
	// dataSource and dataSourceRef mirror each other when one is unset.
	if pvc.Spec.DataSource != nil && pvc.Spec.DataSourceRef == nil {
		pvc.Spec.DataSourceRef = &corev1.TypedObjectReference{APIGroup: pvc.Spec.DataSource.APIGroup, Kind: pvc.Spec.DataSource.Kind, Name: pvc.Spec.DataSource.Name}
	} else if pvc.Spec.DataSourceRef != nil && pvc.Spec.DataSource == nil && pvc.Spec.DataSourceRef.Namespace == nil {
		pvc.Spec.DataSource = &corev1.TypedLocalObjectReference{APIGroup: pvc.Spec.DataSourceRef.APIGroup, Kind: pvc.Spec.DataSourceRef.Kind, Name: pvc.Spec.DataSourceRef.Name}
	}
}

func (pvcStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.PersistentVolumeClaim).Status = old.(*corev1.PersistentVolumeClaim).Status
}

func (pvcStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*corev1.PersistentVolumeClaim))
}

func (pvcStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	pvc, prev := obj.(*corev1.PersistentVolumeClaim), old.(*corev1.PersistentVolumeClaim)
	errs := validation.ValidateObjectMetaUpdate(&pvc.ObjectMeta, &prev.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, Validate(pvc)...)
	// Only resources.requests and volumeAttributesClassName may change, and
	// volumeName may be set once.
	a, b := pvc.Spec.DeepCopy(), prev.Spec.DeepCopy()
	a.Resources.Requests, b.Resources.Requests = nil, nil
	a.VolumeAttributesClassName, b.VolumeAttributesClassName = nil, nil
	if b.VolumeName == "" {
		a.VolumeName = ""
	}
	if !reflect.DeepEqual(a, b) {
		errs = append(errs, field.Forbidden(field.NewPath("spec"), "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"))
	}
	return errs
}

// Validate checks a claim's name and spec.
func Validate(pvc *corev1.PersistentVolumeClaim) field.ErrorList {
	errs := validation.ValidateObjectMeta(&pvc.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	errs = append(errs, persistentvolume.ValidateAccessModes(pvc.Spec.AccessModes, spec.Child("accessModes"), "at least 1 access mode is required")...)
	q, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok {
		errs = append(errs, field.Required(spec.Child("resources").Key(string(corev1.ResourceStorage)), ""))
	} else if q.Sign() <= 0 {
		errs = append(errs, field.Invalid(spec.Child("resources", "requests").Key(string(corev1.ResourceStorage)), q.String(), "must be greater than zero"))
	}
	if c := pvc.Spec.StorageClassName; c != nil && *c != "" {
		for _, msg := range validation.NameIsDNSSubdomain(*c, false) {
			errs = append(errs, field.Invalid(spec.Child("storageClassName"), *c, msg))
		}
	}
	if m := pvc.Spec.VolumeMode; m != nil && !persistentvolume.VolumeModes.Has(*m) {
		errs = append(errs, field.NotSupported(spec.Child("volumeMode"), *m, sets.List(persistentvolume.VolumeModes)))
	}
	return errs
}

type statusStrategy struct{ pvcStrategy }

// StatusStrategy lets only .status change.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetAllButStatus("v1")
}

func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.PersistentVolumeClaim).Spec = old.(*corev1.PersistentVolumeClaim).Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	pvc := obj.(*corev1.PersistentVolumeClaim)
	return validation.ValidateObjectMetaUpdate(&pvc.ObjectMeta, &old.(*corev1.PersistentVolumeClaim).ObjectMeta, field.NewPath("metadata"))
}

// Table prints upstream's columns: NAME, STATUS, VOLUME, CAPACITY, ACCESS
// MODES, STORAGECLASS, VOLUMEATTRIBUTESCLASS, AGE and, wide, VOLUMEMODE.
var Table = table.Convertor[*corev1.PersistentVolumeClaim]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Status", Type: "string", Description: corev1.PersistentVolumeClaimStatus{}.SwaggerDoc()["phase"]},
		{Name: "Volume", Type: "string", Description: corev1.PersistentVolumeClaimSpec{}.SwaggerDoc()["volumeName"]},
		{Name: "Capacity", Type: "string", Description: corev1.PersistentVolumeClaimStatus{}.SwaggerDoc()["capacity"]},
		{Name: "Access Modes", Type: "string", Description: corev1.PersistentVolumeClaimStatus{}.SwaggerDoc()["accessModes"]},
		{Name: "StorageClass", Type: "string", Description: "StorageClass of the pvc"},
		{Name: "VolumeAttributesClass", Type: "string", Description: "VolumeAttributesClass of the pvc"},
		table.AgeColumn,
		{Name: "VolumeMode", Type: "string", Priority: 1, Description: corev1.PersistentVolumeClaimSpec{}.SwaggerDoc()["volumeMode"]},
	},
	Row: func(pvc *corev1.PersistentVolumeClaim) []interface{} {
		phase := string(pvc.Status.Phase)
		if pvc.DeletionTimestamp != nil {
			phase = "Terminating"
		}
		capacity, modes := "", ""
		if pvc.Spec.VolumeName != "" {
			modes = persistentvolume.AccessModesString(pvc.Status.AccessModes)
			q := pvc.Status.Capacity[corev1.ResourceStorage]
			capacity = q.String()
		}
		mode, vac := "<unset>", "<unset>"
		if pvc.Spec.VolumeMode != nil {
			mode = string(*pvc.Spec.VolumeMode)
		}
		if pvc.Spec.VolumeAttributesClassName != nil {
			vac = *pvc.Spec.VolumeAttributesClassName
		}
		class := ""
		if c, ok := pvc.Annotations[corev1.BetaStorageClassAnnotation]; ok {
			class = c
		} else if pvc.Spec.StorageClassName != nil {
			class = *pvc.Spec.StorageClassName
		}
		return []interface{}{pvc.Name, phase, pvc.Spec.VolumeName, capacity, modes, class, vac, table.Age(pvc.CreationTimestamp), mode}
	},
}
