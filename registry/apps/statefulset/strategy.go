package statefulset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/apis/core/podspec"
	"github.com/skiff-k8s/skiff/registry/apps/internal/workload"
	"github.com/skiff-k8s/skiff/registry/strategy"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&appsv1.StatefulSet{}, func(obj interface{}) { SetDefaults(obj.(*appsv1.StatefulSet)) })
	apis.Scheme.AddTypeDefaultingFunc(&appsv1.StatefulSetList{}, func(obj interface{}) {
		l := obj.(*appsv1.StatefulSetList)
		for i := range l.Items {
			SetDefaults(&l.Items[i])
		}
	})
}

func ptr[T any](v T) *T { return &v }

// SetDefaults applies upstream's apps/v1 StatefulSet defaults (with
// MaxUnavailableStatefulSet, on by default in 1.37).
func SetDefaults(s *appsv1.StatefulSet) {
	spec := &s.Spec
	if spec.PodManagementPolicy == "" {
		spec.PodManagementPolicy = appsv1.OrderedReadyPodManagement
	}
	if spec.UpdateStrategy.Type == "" {
		spec.UpdateStrategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
		if spec.UpdateStrategy.RollingUpdate == nil {
			spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{}
		}
	}
	if ru := spec.UpdateStrategy.RollingUpdate; spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType && ru != nil {
		if ru.Partition == nil {
			ru.Partition = ptr[int32](0)
		}
		if ru.MaxUnavailable == nil {
			ru.MaxUnavailable = ptr(intstr.FromInt32(1))
		}
	}
	if spec.PersistentVolumeClaimRetentionPolicy == nil {
		spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	if spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted == "" {
		spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if spec.PersistentVolumeClaimRetentionPolicy.WhenScaled == "" {
		spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if spec.Replicas == nil {
		spec.Replicas = ptr[int32](1)
	}
	if spec.RevisionHistoryLimit == nil {
		spec.RevisionHistoryLimit = ptr[int32](10)
	}
	podspec.SetDefaultsPodTemplateSpec(&spec.Template)
	for i := range spec.VolumeClaimTemplates {
		pvc := &spec.VolumeClaimTemplates[i]
		// Upstream's apps/v1 conversion from the internal version always
		// writes the TypeMeta of the embedded claims.
		pvc.APIVersion = "v1"
		pvc.Kind = "PersistentVolumeClaim"
		if pvc.Spec.VolumeMode == nil {
			pvc.Spec.VolumeMode = ptr(corev1.PersistentVolumeFilesystem)
		}
		if pvc.Status.Phase == "" {
			pvc.Status.Phase = corev1.ClaimPending
		}
	}
}

type stsStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of StatefulSets.
var Strategy = stsStrategy{strategy.Namespaced()}

func (stsStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return workload.ResetStatus()
}

func (stsStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	s := obj.(*appsv1.StatefulSet)
	s.Status = appsv1.StatefulSetStatus{}
	s.Generation = 1
}

func (stsStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	s, prev := obj.(*appsv1.StatefulSet), old.(*appsv1.StatefulSet)
	s.Status = prev.Status
	if !apiequality.Semantic.DeepEqual(s.Spec, prev.Spec) {
		s.Generation = prev.Generation + 1
	}
}

func (stsStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*appsv1.StatefulSet))
}

func (stsStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*appsv1.StatefulSet), old.(*appsv1.StatefulSet))
}

// Validate checks a StatefulSet as upstream's ValidateStatefulSet; its name
// must be a DNS label.
func Validate(s *appsv1.StatefulSet) field.ErrorList {
	errs := validation.ValidateObjectMeta(&s.ObjectMeta, true, validation.NameIsDNSLabel, field.NewPath("metadata"))
	return append(errs, validateSpec(&s.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate adds the immutable fields: selector, volumeClaimTemplates,
// serviceName, podManagementPolicy.
func ValidateUpdate(s, old *appsv1.StatefulSet) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&s.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	errs = append(errs, validateSpec(&s.Spec, spec)...)
	errs = append(errs, validation.ValidateImmutableField(s.Spec.Selector, old.Spec.Selector, spec.Child("selector"))...)
	errs = append(errs, validation.ValidateImmutableField(s.Spec.VolumeClaimTemplates, old.Spec.VolumeClaimTemplates, spec.Child("volumeClaimTemplates"))...)
	errs = append(errs, validation.ValidateImmutableField(s.Spec.ServiceName, old.Spec.ServiceName, spec.Child("serviceName"))...)
	return append(errs, validation.ValidateImmutableField(s.Spec.PodManagementPolicy, old.Spec.PodManagementPolicy, spec.Child("podManagementPolicy"))...)
}

func validateSpec(spec *appsv1.StatefulSetSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch spec.PodManagementPolicy {
	case "":
		errs = append(errs, field.Required(p.Child("podManagementPolicy"), ""))
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		errs = append(errs, field.Invalid(p.Child("podManagementPolicy"), spec.PodManagementPolicy,
			fmt.Sprintf("must be '%s' or '%s'", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement)))
	}
	us := spec.UpdateStrategy
	switch us.Type {
	case "":
		errs = append(errs, field.Required(p.Child("updateStrategy"), ""))
	case appsv1.OnDeleteStatefulSetStrategyType:
		if us.RollingUpdate != nil {
			errs = append(errs, field.Invalid(p.Child("updateStrategy", "rollingUpdate"), us.RollingUpdate,
				fmt.Sprintf("only allowed for updateStrategy '%s'", appsv1.RollingUpdateStatefulSetStrategyType)))
		}
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if ru := us.RollingUpdate; ru != nil {
			rp := p.Child("updateStrategy", "rollingUpdate")
			if ru.Partition != nil {
				errs = append(errs, workload.NonNegative(int64(*ru.Partition), rp.Child("partition"))...)
			}
			if ru.MaxUnavailable != nil {
				mp := rp.Child("maxUnavailable")
				errs = append(errs, workload.ValidatePositiveIntOrPercent(*ru.MaxUnavailable, mp)...)
				if workload.IntOrPercentValue(*ru.MaxUnavailable) == 0 {
					errs = append(errs, field.Invalid(mp, *ru.MaxUnavailable, "cannot be 0"))
				}
				errs = append(errs, workload.NotMoreThan100Percent(*ru.MaxUnavailable, mp)...)
			}
		}
	default:
		errs = append(errs, field.Invalid(p.Child("updateStrategy"), us,
			fmt.Sprintf("must be '%s' or '%s'", appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType)))
	}
	if pol := spec.PersistentVolumeClaimRetentionPolicy; pol != nil {
		pp := p.Child("persistentVolumeClaimRetentionPolicy")
		errs = append(errs, validateRetention(pol.WhenDeleted, pp.Child("whenDeleted"))...)
		errs = append(errs, validateRetention(pol.WhenScaled, pp.Child("whenScaled"))...)
	}
	errs = append(errs, workload.NonNegative(int64(workload.Replicas(spec.Replicas)), p.Child("replicas"))...)
	errs = append(errs, workload.NonNegative(int64(spec.MinReadySeconds), p.Child("minReadySeconds"))...)
	if spec.Ordinals != nil {
		errs = append(errs, workload.NonNegative(int64(spec.Ordinals.Start), p.Child("ordinals.start"))...)
	}
	if spec.ServiceName != "" {
		for _, msg := range utilvalidation.IsDNS1123Label(spec.ServiceName) {
			errs = append(errs, field.Invalid(p.Child("serviceName"), spec.ServiceName, msg))
		}
	}
	errs = append(errs, workload.ValidateSelector(spec.Selector, p.Child("selector"), "statefulset")...)
	// Volumes named by volumeClaimTemplates are added to the pods, so the
	// template is validated with them.
	t := &spec.Template
	if len(spec.VolumeClaimTemplates) > 0 || t.Spec.Hostname != "" || t.Spec.Subdomain != "" {
		t = t.DeepCopy()
		t.Spec.Hostname, t.Spec.Subdomain = "", ""
		claims := map[string]bool{}
		var vols []corev1.Volume
		for _, c := range spec.VolumeClaimTemplates {
			if claims[c.Name] {
				continue
			}
			claims[c.Name] = true
			vols = append(vols, corev1.Volume{Name: c.Name, VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c.Name}}})
		}
		for _, v := range t.Spec.Volumes {
			if !claims[v.Name] {
				vols = append(vols, v)
			}
		}
		t.Spec.Volumes = vols
	}
	return append(errs, workload.ValidateTemplate(t, spec.Selector, p.Child("template"), "StatefulSet")...)
}

func validateRetention(v appsv1.PersistentVolumeClaimRetentionPolicyType, p *field.Path) field.ErrorList {
	switch v {
	case appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType:
		return nil
	}
	return field.ErrorList{field.NotSupported(p, v, []string{string(appsv1.RetainPersistentVolumeClaimRetentionPolicyType), string(appsv1.DeletePersistentVolumeClaimRetentionPolicyType)})}
}

type statusStrategy struct{ stsStrategy }

// StatusStrategy updates only .status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return workload.ResetSpec()
}

func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*appsv1.StatefulSet).Spec = old.(*appsv1.StatefulSet).Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	s, prev := obj.(*appsv1.StatefulSet), old.(*appsv1.StatefulSet)
	p, st := field.NewPath("status"), s.Status
	errs := workload.NonNegative(int64(st.Replicas), p.Child("replicas"))
	errs = append(errs, workload.NonNegative(int64(st.ReadyReplicas), p.Child("readyReplicas"))...)
	errs = append(errs, workload.NonNegative(int64(st.CurrentReplicas), p.Child("currentReplicas"))...)
	errs = append(errs, workload.NonNegative(int64(st.UpdatedReplicas), p.Child("updatedReplicas"))...)
	errs = append(errs, workload.NonNegative(int64(st.AvailableReplicas), p.Child("availableReplicas"))...)
	errs = append(errs, workload.NonNegative(st.ObservedGeneration, p.Child("observedGeneration"))...)
	errs = append(errs, workload.NonNegativePtr(st.CollisionCount, p.Child("collisionCount"))...)
	const msg = "cannot be greater than status.replicas"
	if st.ReadyReplicas > st.Replicas {
		errs = append(errs, field.Invalid(p.Child("readyReplicas"), st.ReadyReplicas, msg))
	}
	if st.CurrentReplicas > st.Replicas {
		errs = append(errs, field.Invalid(p.Child("currentReplicas"), st.CurrentReplicas, msg))
	}
	if st.UpdatedReplicas > st.Replicas {
		errs = append(errs, field.Invalid(p.Child("updatedReplicas"), st.UpdatedReplicas, msg))
	}
	if st.AvailableReplicas > st.Replicas {
		errs = append(errs, field.Invalid(p.Child("availableReplicas"), st.AvailableReplicas, msg))
	}
	if st.AvailableReplicas > st.ReadyReplicas {
		errs = append(errs, field.Invalid(p.Child("availableReplicas"), st.AvailableReplicas, "cannot be greater than status.readyReplicas"))
	}
	errs = append(errs, validation.ValidateObjectMetaUpdate(&s.ObjectMeta, &prev.ObjectMeta, field.NewPath("metadata"))...)
	return append(errs, workload.CollisionCount(st.CollisionCount, prev.Status.CollisionCount)...)
}
