// Package persistentvolume serves core/v1 PersistentVolumes with their
// status subresource.
package persistentvolume

import (
	"context"
	"fmt"
	"reflect"
	"strings"

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
	"github.com/skiff-k8s/skiff/registry/strategy"
	"github.com/skiff-k8s/skiff/registry/subresource"
	"github.com/skiff-k8s/skiff/registry/table"
)

func init() {
	apis.MustAddFieldLabels(corev1.SchemeGroupVersion.WithKind("PersistentVolume"), "name")
	apis.Scheme.AddTypeDefaultingFunc(&corev1.PersistentVolume{}, func(obj interface{}) { SetDefaults(obj.(*corev1.PersistentVolume)) })
}

// SetDefaults mirrors upstream: phase Pending, reclaim policy Retain,
// volume mode Filesystem.
func SetDefaults(pv *corev1.PersistentVolume) {
	if pv.Status.Phase == "" {
		pv.Status.Phase = corev1.VolumePending
	}
	if pv.Spec.PersistentVolumeReclaimPolicy == "" {
		pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	}
	if pv.Spec.VolumeMode == nil {
		m := corev1.PersistentVolumeFilesystem
		pv.Spec.VolumeMode = &m
	}
	setDefaultsSource(&pv.Spec.PersistentVolumeSource)
}

// GetAttrs returns the labels and selectable fields (the legacy "name").
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	pv, ok := obj.(*corev1.PersistentVolume)
	if !ok {
		return nil, nil, fmt.Errorf("not a persistentvolume: %T", obj)
	}
	return pv.Labels, generic.AddObjectMetaFieldsSet(fields.Set{"name": pv.Name}, &pv.ObjectMeta, false), nil
}

// REST is the persistentvolumes resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the persistentvolumes storage and its status.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, *subresource.Status, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &corev1.PersistentVolume{} },
		NewListFunc:               func() runtime.Object { return &corev1.PersistentVolumeList{} },
		DefaultQualifiedResource:  corev1.Resource("persistentvolumes"),
		SingularQualifiedResource: corev1.Resource("persistentvolume"),
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
func (*REST) ShortNames() []string { return []string{"pv"} }

type pvStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of PersistentVolumes.
var Strategy = pvStrategy{strategy.Cluster()}

func (pvStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetStatus("v1")
}

func (pvStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	pv := obj.(*corev1.PersistentVolume)
	now := metav1.Now()
	pv.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumePending, LastPhaseTransitionTime: &now}
}

func (pvStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.PersistentVolume).Status = old.(*corev1.PersistentVolume).Status
}

func (pvStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*corev1.PersistentVolume))
}

func (pvStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	pv, prev := obj.(*corev1.PersistentVolume), old.(*corev1.PersistentVolume)
	errs := validation.ValidateObjectMetaUpdate(&pv.ObjectMeta, &prev.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, Validate(pv)...)
	if !reflect.DeepEqual(pv.Spec.PersistentVolumeSource, prev.Spec.PersistentVolumeSource) {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "persistentvolumesource"), "spec.persistentvolumesource is immutable after creation"))
	}
	if !reflect.DeepEqual(pv.Spec.VolumeMode, prev.Spec.VolumeMode) {
		errs = append(errs, field.Invalid(field.NewPath("spec", "volumeMode"), pv.Spec.VolumeMode, "field is immutable"))
	}
	if prev.Spec.NodeAffinity != nil && !reflect.DeepEqual(pv.Spec.NodeAffinity, prev.Spec.NodeAffinity) {
		errs = append(errs, field.Invalid(field.NewPath("spec", "nodeAffinity"), pv.Spec.NodeAffinity, "field is immutable"))
	}
	return errs
}

// AccessModes are the supported access modes.
var AccessModes = sets.New(corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOncePod)

var (
	reclaimPolicies = sets.New(corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRecycle, corev1.PersistentVolumeReclaimRetain)
	// VolumeModes are the supported volume modes.
	VolumeModes = sets.New(corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem)
)

// ValidateAccessModes checks modes: at least one (with required's detail),
// supported values, ReadWriteOncePod alone.
func ValidateAccessModes(modes []corev1.PersistentVolumeAccessMode, path *field.Path, required string) field.ErrorList {
	var errs field.ErrorList
	if len(modes) == 0 {
		return append(errs, field.Required(path, required))
	}
	pod := false
	for _, m := range modes {
		if !AccessModes.Has(m) {
			errs = append(errs, field.NotSupported(path, m, sets.List(AccessModes)))
		}
		pod = pod || m == corev1.ReadWriteOncePod
	}
	if pod && len(modes) > 1 {
		errs = append(errs, field.Forbidden(path, "may not use ReadWriteOncePod with other access modes"))
	}
	return errs
}

// Validate checks a PersistentVolume as upstream's ValidatePersistentVolume
// does in its main points.
func Validate(pv *corev1.PersistentVolume) field.ErrorList {
	errs := validation.ValidateObjectMeta(&pv.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	errs = append(errs, ValidateAccessModes(pv.Spec.AccessModes, spec.Child("accessModes"), "")...)
	if len(pv.Spec.Capacity) == 0 {
		errs = append(errs, field.Required(spec.Child("capacity"), ""))
	} else if _, ok := pv.Spec.Capacity[corev1.ResourceStorage]; !ok || len(pv.Spec.Capacity) > 1 {
		errs = append(errs, field.NotSupported(spec.Child("capacity"), pv.Spec.Capacity, []corev1.ResourceName{corev1.ResourceStorage}))
	} else if q := pv.Spec.Capacity[corev1.ResourceStorage]; q.Sign() < 0 {
		errs = append(errs, field.Invalid(spec.Child("capacity").Key(string(corev1.ResourceStorage)), q.String(), "must be greater than or equal to 0"))
	}
	if p := pv.Spec.PersistentVolumeReclaimPolicy; p != "" && !reclaimPolicies.Has(p) {
		errs = append(errs, field.NotSupported(spec.Child("persistentVolumeReclaimPolicy"), p, sets.List(reclaimPolicies)))
	}
	if m := pv.Spec.VolumeMode; m != nil && !VolumeModes.Has(*m) {
		errs = append(errs, field.NotSupported(spec.Child("volumeMode"), *m, sets.List(VolumeModes)))
	}
	// exactly one volume source
	src := reflect.ValueOf(pv.Spec.PersistentVolumeSource)
	var set []string
	for i := 0; i < src.NumField(); i++ {
		if !src.Field(i).IsNil() {
			name := strings.Split(src.Type().Field(i).Tag.Get("json"), ",")[0]
			set = append(set, name)
		}
	}
	if len(set) == 0 {
		errs = append(errs, field.Required(spec, "must specify a volume type"))
	}
	for _, name := range set[min(1, len(set)):] {
		errs = append(errs, field.Forbidden(spec.Child(name), "may not specify more than 1 volume type"))
	}
	if hp := pv.Spec.HostPath; hp != nil && hp.Path == "" {
		errs = append(errs, field.Required(spec.Child("hostPath", "path"), ""))
	}
	if l := pv.Spec.Local; l != nil {
		if l.Path == "" {
			errs = append(errs, field.Required(spec.Child("local", "path"), ""))
		}
		if pv.Spec.NodeAffinity == nil {
			errs = append(errs, field.Required(spec.Child("nodeAffinity"), "Local volume requires node affinity"))
		}
	}
	if c := pv.Spec.CSI; c != nil {
		if c.Driver == "" {
			errs = append(errs, field.Required(spec.Child("csi", "driver"), ""))
		}
		if c.VolumeHandle == "" {
			errs = append(errs, field.Required(spec.Child("csi", "volumeHandle"), ""))
		}
	}
	if n := pv.Spec.NFS; n != nil {
		if n.Server == "" {
			errs = append(errs, field.Required(spec.Child("nfs", "server"), ""))
		}
		if n.Path == "" {
			errs = append(errs, field.Required(spec.Child("nfs", "path"), ""))
		}
	}
	return errs
}

type statusStrategy struct{ pvStrategy }

// StatusStrategy lets only .status change.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetAllButStatus("v1")
}

func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	pv, prev := obj.(*corev1.PersistentVolume), old.(*corev1.PersistentVolume)
	pv.Spec = prev.Spec
	if pv.Status.Phase != prev.Status.Phase {
		now := metav1.Now()
		pv.Status.LastPhaseTransitionTime = &now
	}
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	pv := obj.(*corev1.PersistentVolume)
	return validation.ValidateObjectMetaUpdate(&pv.ObjectMeta, &old.(*corev1.PersistentVolume).ObjectMeta, field.NewPath("metadata"))
}

// AccessModesString prints modes as kubectl does: RWO,ROX,RWX,RWOP.
func AccessModesString(modes []corev1.PersistentVolumeAccessMode) string {
	has := sets.New(modes...)
	var out []string
	for _, m := range []struct {
		mode  corev1.PersistentVolumeAccessMode
		short string
	}{{corev1.ReadWriteOnce, "RWO"}, {corev1.ReadOnlyMany, "ROX"}, {corev1.ReadWriteMany, "RWX"}, {corev1.ReadWriteOncePod, "RWOP"}} {
		if has.Has(m.mode) {
			out = append(out, m.short)
		}
	}
	return strings.Join(out, ",")
}

// Table prints upstream's columns: NAME, CAPACITY, ACCESS MODES, RECLAIM
// POLICY, STATUS, CLAIM, STORAGECLASS, VOLUMEATTRIBUTESCLASS, REASON, AGE
// and, wide, VOLUMEMODE.
var Table = table.Convertor[*corev1.PersistentVolume]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Capacity", Type: "string", Description: corev1.PersistentVolumeSpec{}.SwaggerDoc()["capacity"]},
		{Name: "Access Modes", Type: "string", Description: corev1.PersistentVolumeSpec{}.SwaggerDoc()["accessModes"]},
		{Name: "Reclaim Policy", Type: "string", Description: corev1.PersistentVolumeSpec{}.SwaggerDoc()["persistentVolumeReclaimPolicy"]},
		{Name: "Status", Type: "string", Description: corev1.PersistentVolumeStatus{}.SwaggerDoc()["phase"]},
		{Name: "Claim", Type: "string", Description: corev1.PersistentVolumeSpec{}.SwaggerDoc()["claimRef"]},
		{Name: "StorageClass", Type: "string", Description: "StorageClass of the pv"},
		{Name: "VolumeAttributesClass", Type: "string", Description: "VolumeAttributesClass of the pv"},
		{Name: "Reason", Type: "string", Description: corev1.PersistentVolumeStatus{}.SwaggerDoc()["reason"]},
		table.AgeColumn,
		{Name: "VolumeMode", Type: "string", Priority: 1, Description: corev1.PersistentVolumeSpec{}.SwaggerDoc()["volumeMode"]},
	},
	Row: func(pv *corev1.PersistentVolume) []interface{} {
		claim := ""
		if pv.Spec.ClaimRef != nil {
			claim = pv.Spec.ClaimRef.Namespace + "/" + pv.Spec.ClaimRef.Name
		}
		size := pv.Spec.Capacity[corev1.ResourceStorage]
		phase := string(pv.Status.Phase)
		if pv.DeletionTimestamp != nil {
			phase = "Terminating"
		}
		mode, vac := "<unset>", "<unset>"
		if pv.Spec.VolumeMode != nil {
			mode = string(*pv.Spec.VolumeMode)
		}
		if pv.Spec.VolumeAttributesClassName != nil {
			vac = *pv.Spec.VolumeAttributesClassName
		}
		class := pv.Spec.StorageClassName
		if c, ok := pv.Annotations[corev1.BetaStorageClassAnnotation]; ok {
			class = c
		}
		return []interface{}{pv.Name, size.String(), AccessModesString(pv.Spec.AccessModes), string(pv.Spec.PersistentVolumeReclaimPolicy),
			phase, claim, class, vac, pv.Status.Reason, table.Age(pv.CreationTimestamp), mode}
	},
}
